## templates/landing.html (the role notes come from src/accounts/pages.rs; the role's pages
## use the header's nav-* words of common.ftl)

landing-title = Welcome
landing-welcome = Welcome, { $name }
landing-pending = Your account is waiting for an administrator's approval. You can sign in, but cannot act on records yet.
landing-go-dashboard = Go to your dashboard
# What each role does here.
landing-note-records = Your records are on your dashboard.
landing-note-admin = Approve staff and manage accounts on the Users page.
landing-note-pharmacist = Dispense prescriptions, verify printed ones and keep the stock.
landing-note-receptionist = Book appointments and move the day's queue.
landing-note-lab = Post results for the open lab orders.

landing-hero-title = One shared, provable record of care
landing-hero-text = Doctors write records; patients read their own history on any device. Every clinical write is recorded.
landing-sign-in = Sign in
landing-email = Email
landing-password = Password
landing-two-factor-help = If you use two-factor sign-in, the next step asks for your code.
landing-forgot = Forgot your password?
landing-new-here = New here?
landing-new-here-text = Patients can start at once. Doctors and other staff register and wait for an administrator's approval.
landing-create-account = Create an account
