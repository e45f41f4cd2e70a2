## templates/privacy.html

privacy-title = Privacy notice
privacy-version = Version { $version }. Creating an account means accepting this notice; careledger records which version you accepted and when.
privacy-keeps-heading = What careledger keeps
privacy-keeps = Your name, email address and password hash; the records, files and amendments your doctors write about you; who is on your care team and who added them; your consents; the devices you sign in from (browser name and network address) and when.
privacy-why-heading = Why
privacy-why = To give you and the doctors you choose one record of your care, and to prove that it was not altered: every clinical write is kept in a signed ledger that holds hashes, never the text itself.
privacy-readers-heading = Who reads it
privacy-readers = You; the doctors on your care team (those who wrote your records, those referred by them, and those you add), for as long as they are on it; in a clinic that works as one team, its active doctors. Administrators manage accounts and read no clinical content.
privacy-rights-heading = Your rights
privacy-rights = You can see your care team and take a doctor off it, grant and revoke consent, and see your records at any time. Ask your clinic to correct or erase your data; an erasure destroys the data and leaves only the ledger's hashes.
