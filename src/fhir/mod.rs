//! FHIR R4 (JSON) at `/fhir/r4`: the same people, tokens and access rules as the API, read as
//! HL7 FHIR resources (https://hl7.org/fhir/R4/http.html) for other systems to connect to.
//! Reads and searches go through the domains' own services, so the care-team rule decides
//! here as everywhere; what a caller may not see answers 404, and every error is an
//! OperationOutcome (the web kit turns problem details into one on these paths).

pub mod api;
pub mod resources;
pub mod service;
