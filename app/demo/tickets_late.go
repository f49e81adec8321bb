package demo

import "portico/app/model"

// lateTickets are #25 to #48 of the demo ticket table (see ticketSpecs).
func lateTickets() []ticketSpec {
	return []ticketSpec{
		{ // #25: two threads; the portal shows only the newer one.
			contact: AnaEmail, subject: "Invoice address change", category: "billing",
			priority: model.PriorityMedium, source: model.SourceEmail, stage: stCustomer,
			desc: "We are moving offices and need the address on our invoices changed.",
			older: []string{
				"Old thread: first question. We are moving offices next quarter; what do you need to change the invoice address? (This is the older thread.)",
				"Old thread: answer. Just send us the new address once it is final. (This is the older thread.)",
			},
			conv: []string{
				"Following up in a newer thread: our new address is Calle Mayor 10, 28013 Madrid. Please use it from the next invoice.",
				"Thanks Ana, we noted the new address in this newer thread. Can you confirm that your VAT ID stays the same?",
			},
		},
		{ // #26: Ben only, so Ana sees it as an organization ticket.
			contact: BenEmail, subject: "Acme VPN certificate renewal", category: "technical",
			priority: model.PriorityHigh, source: model.SourceEmail, stage: stOnUs, product: prodCloud,
			conv: []string{
				"The VPN certificate for vpn.acme.example expires on November 15. Can you renew it?",
				"Hi Ben, we've prepared the renewal. Please approve it in the admin console.",
				"Approved. When will the new certificate be installed?",
			},
		},
		{ // #27
			contact: GinaEmail, subject: "Feature request: dark mode", category: "feature-request",
			priority: model.PriorityLow, source: model.SourceForm, stage: stNew, product: prodCloud,
			conv: []string{
				"Our support team works night shifts; a dark mode would help a lot.",
			},
		},
		{ // #28
			contact: AnaEmail, subject: "Feature request: export tickets to CSV", category: "feature-request",
			priority: model.PriorityLow, source: model.SourceForm, stage: stNew, product: prodCloud,
			conv: []string{
				"It would help us a lot to export the ticket list to CSV for our monthly reports.",
			},
		},
		{ // #29
			contact: CarlaEmail, subject: "Charged after cancelling subscription", category: "billing",
			priority: model.PriorityHigh, source: model.SourceEmail, stage: stOnUs,
			conv: []string{
				"I cancelled my subscription on October 3rd but was charged again on October 15th.",
				"Sorry Carla, we're checking with the billing team and will get back to you within a day.",
			},
			note: "INTERNAL NOTE: the cancellation was saved after the renewal run; refund approved, waiting for finance.",
		},
		{ // #30
			contact: BenEmail, subject: "Users see 'session expired' too often", category: "account",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stCustomer, product: prodCloud,
			conv: []string{
				"Several of our users are logged out every few minutes.",
				"Could you tell us which browser they use, and whether they use the desktop app?",
			},
		},
		{ // #31: a phone call logged by an agent; no conversation thread.
			contact: AnaEmail, subject: "Phone call: renewal quote", category: "billing",
			priority: model.PriorityMedium, source: model.SourcePhone, stage: stNew,
			desc: "Ana called to ask for a renewal quote for 25 seats starting in January. Send the quote by email.",
		},
		{ // #32
			contact: AnaEmail, subject: "Usage report totals don't match invoice", category: "billing",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stOnUs, product: prodCloud,
			conv: []string{
				"The usage report shows 1,240 units but the invoice charges 1,310.",
				"We're looking into it: the report may leave out cancelled orders.",
			},
		},
		{ // #33
			contact: AnaEmail, subject: "API returns 500 on /v1/orders", category: "technical",
			priority: model.PriorityUrgent, source: model.SourceEmail, stage: stOnUs, product: prodAPI,
			conv: []string{
				"Since 10:00 UTC every POST to /v1/orders returns HTTP 500.",
				"We see the errors on our side too and have escalated to engineering.",
				"Please keep us posted, our shop is down.",
			},
			note:    "INTERNAL NOTE: yesterday's deploy broke order validation; rollback in progress.",
			comment: "INTERNAL COMMENT: Acme is a priority account, update them every hour.",
		},
		{ // #34
			contact: BenEmail, subject: "Request copy of signed contract", category: "account",
			priority: model.PriorityLow, source: model.SourceEmail, stage: stCustomer,
			conv: []string{
				"Can you send us a copy of the signed contract for our records?",
				"Certainly. Should we send it to you or to accounts@acme.example?",
			},
		},
		{ // #35
			contact: BenEmail, subject: "App crashes when opening settings", category: "technical",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stNew, product: prodMobile,
			conv: []string{
				"The mobile app closes as soon as I tap Settings. Android 15, app version 4.2.1.",
			},
		},
		{ // #36
			contact: AnaEmail, subject: "[IT] Laptop replacement for Ana", category: "it",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stTriage,
			conv: []string{
				"My laptop battery no longer holds a charge. Could I get a replacement?",
			},
		},
		{ // #37
			contact: GinaEmail, subject: "Missing translation in the Spanish interface", category: "technical",
			priority: model.PriorityLow, source: model.SourcePortal, stage: stCustomer, product: prodCloud,
			conv: []string{
				"Some buttons in the Spanish interface still show English text.",
				"Thanks Gina! Could you tell us which pages or buttons?",
			},
		},
		{ // #38
			contact: BenEmail, subject: "Audit log export times out", category: "technical",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stOnUs, product: prodCloud,
			conv: []string{
				"Exporting the audit log for the last 90 days never finishes.",
				"We reproduced it and are working on a fix. Meanwhile, exporting 30 days at a time works.",
			},
		},
		{ // #39
			contact: AnaEmail, subject: "Two-factor codes arrive late", category: "account",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stCustomer,
			conv: []string{
				"The SMS codes for two-factor login arrive after they have expired.",
				"Which mobile carrier do you use? Meanwhile, an authenticator app avoids the delay.",
			},
		},
		{ // #40
			contact: CarlaEmail, subject: "Wrong name on invoice", category: "billing",
			priority: model.PriorityLow, source: model.SourcePortal, stage: stNew,
			conv: []string{
				"My invoice says 'Carla Campo' instead of 'Carla Campos'.",
			},
		},
		{ // #41
			contact: BenEmail, subject: "Add Acme logo to emails", category: "feature-request",
			priority: model.PriorityLow, source: model.SourceForm, stage: stNew, product: prodCloud,
			conv: []string{
				"Could our logo appear in the emails our customers receive?",
			},
		},
		{ // #42
			contact: AnaEmail, subject: "Upgrade to the Enterprise plan", category: "billing",
			priority: model.PriorityMedium, source: model.SourceEmail, stage: stOnUs,
			conv: []string{
				"We'd like to upgrade to the Enterprise plan. What changes for our existing users?",
				"Hi Ana, nothing changes for your users; they keep their data and settings. We'll send you an offer.",
				"Great, please include pricing for 25 seats.",
			},
		},
		{ // #43
			contact: BenEmail, subject: "Scheduled reports not sent", category: "technical",
			priority: model.PriorityHigh, source: model.SourceEmail, stage: stOnUs, product: prodCloud,
			conv: []string{
				"The weekly report scheduled for Monday was not sent to anyone.",
				"Thanks Ben, we're checking the mail logs for your account.",
			},
		},
		{ // #44
			contact: BenEmail, subject: "Printer driver for new warehouse PCs", category: "technical",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stCustomer, product: prodPrinter,
			conv: []string{
				"Which printer driver should we install on the new warehouse PCs (Windows 11)?",
				"Use driver version 3.4 from the downloads page; 3.3 has known issues with Windows 11. Does it work for you?",
			},
		},
		{ // #45
			contact: AnaEmail, subject: "Search doesn't find older tickets", category: "technical",
			priority: model.PriorityLow, source: model.SourcePortal, stage: stNew, product: prodCloud,
			conv: []string{
				"Searching for tickets older than a year returns nothing.",
			},
		},
		{ // #46
			contact: CarlaEmail, subject: "Change email address on my account", category: "account",
			priority: model.PriorityLow, source: model.SourcePortal, stage: stOnUs,
			conv: []string{
				"I'd like to log in with carla.campos@example.net from now on.",
				"We sent a confirmation link to the new address; the change applies once you click it.",
				"I never got the link, could you send it again?",
			},
		},
		{ // #47
			contact: BenEmail, subject: "Bulk import of contacts fails", category: "technical",
			priority: model.PriorityHigh, source: model.SourcePortal, stage: stNew, product: prodCloud,
			conv: []string{
				"Importing a CSV with 5,000 contacts stops at row 1,024 with 'invalid row'.",
			},
		},
		{ // #48
			contact: AnaEmail, subject: "Login page shows a blank screen on Safari", category: "technical",
			priority: model.PriorityHigh, source: model.SourcePortal, stage: stNew,
			conv: []string{
				"Since the last update, the login page is blank on Safari.",
			},
		},
	}
}
