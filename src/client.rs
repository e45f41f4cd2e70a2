//! Who is on the other end of a request (peer address, client name): a fact the sign-in limits
//! and the sessions list keep, read from the connection by the web kit.

/// Who is on the other end: the peer address and the browser or client name, for sign-in
/// limits and the sessions list.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// The peer's IP address (the load balancer's, unless it forwards the client's).
    pub ip: std::net::IpAddr,
    /// The `User-Agent` header, shortened.
    pub user_agent: String,
}
