package scaledata

// The vocabularies that texts are assembled from. Subjects, public
// message bodies and internal notes draw on separate lists, and the
// persona search words are picked from the candidate lists below, each of
// which occurs in exactly one kind of text (vocab_test.go checks this).

// Subjects are thing + problem + suffix. A "#" in a thing becomes a
// number such as 2025-318.
var subjectThings = []string{
	"Printer on floor 3", "Printer in the mail room", "Invoice #", "Credit note #",
	"VPN client", "VPN tunnel to the warehouse", "Outlook calendar", "Shared calendar",
	"Laptop docking station", "Docking station in room 2.14", "Payroll export", "Payroll run #",
	"Shared drive", "Mobile app", "iOS app", "Android app", "Wi-Fi in meeting room B",
	"Guest Wi-Fi", "Password reset email", "Single sign-on", "Two-factor login",
	"CSV import", "Monthly report #", "Dashboard", "Order #", "Delivery #",
	"Subscription renewal", "Quote #", "API token", "Webhook endpoint", "Barcode scanner",
	"Label printer", "Phone system", "Headset", "Conference screen", "Time tracking",
	"Expense claim #", "Customer portal", "Search", "Data export",
}

var subjectProblems = []string{
	"jams after firmware update", "shows wrong VAT", "keeps disconnecting", "is not syncing",
	"never arrives", "is very slow", "crashes on start", "rejects valid input",
	"shows an error 500", "is missing items", "was charged twice", "cannot be opened",
	"stopped working overnight", "asks for a licence key", "has the wrong address",
	"displays garbled characters", "times out", "logs me out every few minutes",
	"is blank", "duplicates entries", "prints empty pages", "lost all settings",
	"shows the old price", "fails with permission denied", "does not accept the discount code",
	"needs a new seat", "is stuck in pending", "rounds totals incorrectly",
	"has an expired certificate", "sends no notifications",
}

var subjectSuffixes = []string{
	"", "", "", "", " since Monday", " for the whole team", " again", " after the migration",
	" on two laptops", " - urgent", " (second request)", " in the Berlin office",
}

// Customer messages: opening, detail, closing.
var customerOpenings = []string{
	"Hello,", "Hi team,", "Good morning,", "Dear support,", "Hi there,", "Hello again,",
}

var customerDetails = []string{
	"It started right after lunch and nothing we tried helped.",
	"I attached a screenshot of what we see on the screen.",
	"We already tried a reboot but the problem came back after ten minutes.",
	"Our colleague in accounting has the same issue on her machine.",
	"The numbers in the attached spreadsheet do not match what we were billed.",
	"Is there a workaround we can use until this is fixed?",
	"I left a voicemail yesterday but nobody called back.",
	"This blocks our month-end closing, so we need an answer soon.",
	"It only happens when several people use it at the same time.",
	"The courier says the parcel was handed over, but nobody here received it.",
	"We can reproduce it every time with the steps below.",
	"Nothing changed on our side as far as I know.",
	"Please check the timesheet for last week as well.",
	"The error message mentions a timeout before it closes.",
	"I am not sure whether this is related to the earlier ticket.",
}

var customerClosings = []string{
	"Thanks!", "Thank you in advance.", "Best regards,", "Kind regards,", "Cheers,", "Many thanks.",
}

// Agent replies: opening, action, closing.
var agentOpenings = []string{
	"Thanks for reaching out.", "Thank you for the details.", "Sorry for the trouble.",
	"Thanks for your patience.", "Good news:", "Quick update:",
}

var agentActions = []string{
	"Could you send us a screenshot of the settings page?",
	"Please try a reboot of the device and let us know if it helps.",
	"We found a workaround: sign out, clear the cache and sign in again.",
	"We corrected the amounts and sent you an updated spreadsheet.",
	"A technician will visit your office tomorrow morning.",
	"The courier confirmed a new delivery for Thursday.",
	"We reset the account; you should receive an email shortly.",
	"The fix has been rolled out, so the problem should be gone now.",
	"Could you ask your colleague to check whether it works for them too?",
	"We have updated the timesheet integration on our side.",
	"We tried to call you and left a voicemail.",
	"This is a known issue and our team is working on it.",
}

var agentClosings = []string{
	"Best regards, the support team", "Kind regards", "Let us know if anything else comes up.",
	"Have a good day!", "We will keep you posted.",
}

// Internal notes, two lines each. They never reach the portal.
var noteLines = []string{
	"Customer is on the premium plan; offer a goodwill credit if this drags on.",
	"Linked to the hotfix planned for the next release.",
	"Escalated to second line, see the postmortem draft.",
	"Approved a goodwill gesture with finance.",
	"Same root cause as the backlog item from last sprint.",
	"Do not promise a date until the hotfix is verified.",
	"Called the account manager, they will follow up internally.",
	"Checked the logs: the sync job failed at 02:00.",
	"Waiting for the vendor; they have our case number.",
	"Added to the postmortem list for the quarterly review.",
	"Backlog grooming: keep this open until the customer confirms.",
	"Billing adjusted manually, no credit note needed.",
}

// Candidate persona words, in order of preference. Each occurs in one
// kind of text only: subjects, public bodies, or notes.
var (
	subjectWordCandidates = []string{"firmware", "payroll", "docking", "calendar", "VPN", "invoice", "printer", "scanner", "export", "certificate"}
	messageWordCandidates = []string{"screenshot", "workaround", "spreadsheet", "reboot", "voicemail", "courier", "timesheet", "colleague"}
	noteWordCandidates    = []string{"goodwill", "hotfix", "postmortem", "backlog"}
)

// Names for contacts, companies and staff.
var (
	firstNames = []string{
		"Ana", "Ben", "Carla", "David", "Elif", "Farid", "Gina", "Hugo", "Ines", "Jonas",
		"Kira", "Luca", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara",
		"Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Chloe", "Dmitri",
	}
	lastNames = []string{
		"Álvarez", "Brown", "Campos", "Dubois", "Eriksen", "Fischer", "García", "Hansen",
		"Ivanova", "Jensen", "Kowalski", "Lopez", "Müller", "Nakamura", "Okafor", "Petrov",
		"Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Yilmaz", "Zhang",
	}
	companyStems = []string{
		"Northwind", "Globex", "Acme", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell",
		"Cyberdyne", "Soylent", "Hooli", "Vandelay", "Wonka", "Gekko", "Oceanic", "Aperture",
		"Blue Sky", "Red Rock", "Silver Lake", "Green Field",
	}
	companyTrades = []string{
		"Logistics", "Foods", "Pharma", "Software", "Consulting", "Retail", "Bank",
		"Insurance", "Energy", "Media", "Labs", "Hotels", "Motors", "Textiles",
	}
	companyForms = []string{"Ltd", "GmbH", "Inc.", "S.A.", "B.V.", "AB", "LLC", "SAS", ""}
)
