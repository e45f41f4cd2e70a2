## templates/reset_link.html ($name: the account's holder)

reset_link-title = Password reset link
reset_link-heading = Password reset link for { $name }
# "{give} <time>27 Nov 2026, 21:44</time>{after}"
reset_link-give = Give { $name } this link, in person or by phone (not by a channel others read). It works once, until
reset_link-after = ; choosing a new password with it signs their account out everywhere, and two-factor sign-in, where it is on, still asks for their code.
reset_link-emailed = They were emailed that this link was made.
reset_link-not-again = The link is not shown again. The audit trail records that you made it.
reset_link-back = Back to users
