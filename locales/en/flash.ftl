## What a page says once after an action (English sentences in the handlers; looked up by their text).

flash-prescription-issued-signed-in-the-ledger = Prescription issued: signed, in the ledger, and ready for the pharmacy.
flash-dispensed-the-stock-is-taken-and = Dispensed: the stock is taken and the prescription is locked.
flash-this-prescription-was-dispensed-already-do = This prescription was dispensed already: do not dispense it again.
flash-a-batch-chosen-is-past-its = A batch chosen is past its expiry date: choose another.
flash-a-batch-chosen-holds-fewer-units = A batch chosen holds fewer units than asked: choose another or take fewer.
flash-choose-a-batch-of-each-drug = Choose a batch of each drug and a quantity of at least 1.
flash-record-saved-it-is-in-the = Record saved: it is in the ledger, and the patient can read it.
flash-amended-the-new-version-is-in = Amended: the new version is in the ledger; the earlier ones stay below.
flash-the-file-is-attached-sealed-and = The file is attached (sealed, and in the ledger).
flash-the-doctor-is-on-the-care = The doctor is on the care team now.
flash-that-doctor-is-on-the-care = That doctor is on the care team already.
flash-the-doctor-is-off-the-care = The doctor is off the care team: they no longer read this history.
flash-the-result-is-posted-the-patient = The result is posted: the patient and their doctors see it.
flash-enter-a-value-and-a-unit = Enter a value (and a unit); a flag must be low, high, abnormal or normal.
flash-that-order-has-its-result-already = That order has its result already.
flash-booked = Booked.
flash-updated = Updated.
flash-that-change-clashes-with-another-appointment = That change clashes with another appointment of the doctor, the patient or the room.
flash-that-step-is-not-possible-from = That step is not possible from where the appointment is.
flash-you-are-signed-out = You are signed out.
flash-that-session-is-signed-out = That session is signed out.
flash-times-are-now-shown-in-the = Times are now shown in the zone you chose.
flash-the-look-is-saved-for-this = The look is saved for this account.
flash-the-batch-is-on-the-shelf = The batch is on the shelf.
flash-the-link-is-revoked-it-opens = The link is revoked: it opens nothing any more.
flash-the-allergy-is-recorded-new-prescriptions = The allergy is recorded: new prescriptions are checked against it.
flash-the-problem-is-on-the-list = The problem is on the list.
flash-the-test-is-ordered-the-lab = The test is ordered: the lab sees it now.
flash-to-order-a-test-give-its = To order a test, give its code and its name.
flash-language-saved = Language saved.

# Messages with arguments, made in the handlers.
flash-password-changed = { $n ->
    [0] Your password is changed.
    [one] Your password is changed, and your one other session is signed out.
   *[other] Your password is changed, and your { $n } other sessions are signed out.
}
flash-file-not-attached = The file was not attached: { $why }.
# $name: whose account; $said: what happened to it.
flash-user-named = { $name }: { $said }
flash-user-approved = approved; the account can work now.
flash-user-rejected = rejected; the account cannot sign in.
flash-user-deactivated = deactivated; the account is signed out everywhere and cannot sign in.
flash-user-reactivated = reactivated; the account can sign in again.
flash-user-unlocked = unlocked; the account can sign in from any device again.
flash-user-role-changed = the role is changed. A change that takes access away also signs the person out everywhere.
