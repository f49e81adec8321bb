package demo

import "portico/app/model"

// earlyTickets are #1 to #24 of the demo ticket table (see ticketSpecs).
func earlyTickets() []ticketSpec {
	return []ticketSpec{
		{ // #1
			contact: CarlaEmail, subject: "Question about the free trial", category: "account",
			priority: model.PriorityLow, source: model.SourceForm, stage: stClosed, product: prodAPI,
			conv: []string{
				"Hi, does the free trial include the API? I'd like to test an integration before buying.",
				"Hi Carla, yes: the trial includes full API access for 14 days, limited to 1,000 calls per day.",
				"Perfect, thanks!",
			},
		},
		{ // #2
			contact: AnaEmail, subject: "Add two new users to our account", category: "account",
			priority: model.PriorityLow, source: model.SourcePortal, stage: stClosed, product: prodCloud,
			conv: []string{
				"Please add two new users: marta@acme.example and tom@acme.example. Both need the standard role.",
				"Done! Both users received an invitation email. Let us know if anything else is needed.",
			},
		},
		{ // #3
			contact: GinaEmail, subject: "Password reset email not received", category: "account",
			priority: model.PriorityMedium, source: model.SourceEmail, stage: stClosed,
			conv: []string{
				"I requested a password reset three times but no email arrived. I checked the spam folder.",
				"Thanks Gina. Your mail server was rejecting our messages; your IT team has now allowed our domain. Could you try again?",
				"It worked, thank you.",
				"Great, closing this ticket.",
			},
		},
		{ // #4
			contact: BenEmail, subject: "Request for SSO setup", category: "account",
			priority: model.PriorityMedium, source: model.SourceEmail, stage: stClosed, product: prodCloud,
			conv: []string{
				"We'd like to enable single sign-on with our Okta tenant for all Acme users.",
				"Hi Ben, the setup guide is in the admin console under Security > SSO. Send us your Okta issuer when ready.",
				"Our issuer is https://acme.okta.example.",
				"SSO is now active for acme.example. Closing this ticket.",
			},
		},
		{ // #5
			contact: AnaEmail, subject: "Invoice #2026-0412 shows wrong VAT", category: "billing",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stClosed,
			conv: []string{
				"Our September invoice #2026-0412 charges 21% VAT, but we are VAT-registered and should be reverse-charged.",
				"You're right, Ana. We have issued a corrected invoice; you'll find it on your billing page.",
				"Got it, thanks for the quick fix.",
			},
			note: "INTERNAL NOTE: the VAT ID was missing from the billing profile; finance fixed it by hand.",
		},
		{ // #6
			contact: BenEmail, subject: "Account locked after too many attempts", category: "account",
			priority: model.PriorityHigh, source: model.SourcePortal, stage: stClosed,
			conv: []string{
				"My account is locked and I need to download a report today.",
				"We unlocked it. For your security, please choose a new password at your next login.",
			},
		},
		{ // #7
			contact: BenEmail, subject: "Billing contact update for Acme", category: "billing",
			priority: model.PriorityLow, source: model.SourceEmail, stage: stClosed,
			conv: []string{
				"Please send future invoices to accounts@acme.example instead of me.",
				"Updated: invoices will now go to accounts@acme.example.",
			},
		},
		{ // #8
			contact: GinaEmail, subject: "Refund for unused seats", category: "billing",
			priority: model.PriorityMedium, source: model.SourceEmail, stage: stClosed,
			conv: []string{
				"We reduced our team from 20 to 15 seats last month. Can we get a refund for the 5 unused seats?",
				"Hi Gina, we've credited the 5 seats to your next invoice.",
				"Thanks, that works for us.",
			},
		},
		{ // #9
			contact: AnaEmail, subject: "Dashboard loads slowly in the morning", category: "technical",
			priority: model.PriorityMedium, source: model.SourceForm, stage: stClosed, product: prodCloud,
			conv: []string{
				"Between 8 and 9 am the dashboard takes 20 seconds to load.",
				"We found a heavy report running at 8 am and moved it to the night. Could you check tomorrow morning?",
				"Much better today, thank you.",
				"Glad to hear it. Closing the ticket.",
			},
			comment: "INTERNAL COMMENT: same root cause as the slow Globex reports; linked in the engineering tracker.",
		},
		{ // #10
			contact: BenEmail, subject: "[IT] New hire laptop for Acme", category: "it",
			priority: model.PriorityMedium, source: model.SourceEmail, stage: stDone,
			conv: []string{
				"Please prepare a laptop for our new hire starting Monday.",
				"The laptop is set up and on its way.",
			},
		},
		{ // #11
			contact: AnaEmail, subject: "Duplicate charge on October invoice", category: "billing",
			priority: model.PriorityHigh, source: model.SourceEmail, stage: stClosed,
			conv: []string{
				"Our card was charged twice for the October invoice.",
				"Sorry about that, Ana. We refunded the second charge; it will show on your statement within 5 business days.",
			},
		},
		{ // #12
			contact: CarlaEmail, subject: "Receipt needed for expense report", category: "billing",
			priority: model.PriorityLow, source: model.SourcePortal, stage: stClosed,
			conv: []string{
				"Can you send a receipt for my last payment with my full name on it?",
				"Sure, Carla, the receipt is now available under Billing > Receipts.",
				"Found it, thanks.",
			},
		},
		{ // #13
			contact: BenEmail, subject: "Webhook deliveries delayed", category: "technical",
			priority: model.PriorityHigh, source: model.SourceEmail, stage: stClosed, product: prodAPI,
			conv: []string{
				"Webhooks arrive up to 10 minutes late since yesterday.",
				"We had a backlog in one region; it has cleared and deliveries are back to normal.",
				"Confirmed, all good now.",
			},
		},
		{ // #14
			contact: AnaEmail, subject: "Cannot log in after password reset", category: "account",
			priority: model.PriorityHigh, source: model.SourcePortal, stage: stClosed,
			conv: []string{
				"I reset my password but the login page still says the password is wrong.",
				"An old session was still cached for your account. We cleared it; please try again.",
				"That did it, I'm in.",
				"Great! Closing this ticket.",
			},
		},
		{ // #15
			contact: GinaEmail, subject: "Change of billing plan", category: "billing",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stClosed,
			conv: []string{
				"We'd like to move from the monthly to the yearly plan.",
				"Done. Your next invoice will be for the yearly plan, with the remaining month credited.",
			},
		},
		{ // #16
			contact: AnaEmail, subject: "[IT] VPN access request", category: "it",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stDone,
			conv: []string{
				"I need VPN access to the staging network.",
				"Access granted; your VPN profile is in your mailbox.",
			},
		},
		{ // #17
			contact: BenEmail, subject: "API key rotation", category: "technical",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stClosed, product: prodAPI,
			conv: []string{
				"How can we rotate our API key without downtime?",
				"Create a second key, deploy it, then revoke the first one. Both keys work at the same time.",
			},
		},
		{ // #18
			contact: CarlaEmail, subject: "Cannot find my order confirmation", category: "account",
			priority: model.PriorityLow, source: model.SourceEmail, stage: stClosed,
			conv: []string{
				"I placed an order yesterday but never got a confirmation.",
				"The confirmation went to an old address of yours. We updated it to carla@example.com and sent it again.",
			},
		},
		{ // #19
			contact: AnaEmail, subject: "Export of all tickets for audit", category: "account",
			priority: model.PriorityMedium, source: model.SourceEmail, stage: stClosed,
			conv: []string{
				"Our auditors need an export of all our tickets from last year.",
				"The export is ready under Settings > Data export; the link is valid for 7 days.",
			},
		},
		{ // #20
			contact: GinaEmail, subject: "Cannot upload files larger than 10 MB", category: "technical",
			priority: model.PriorityMedium, source: model.SourcePortal, stage: stCustomer, product: prodCloud,
			conv: []string{
				"Uploading a 25 MB PDF fails with 'file too large'.",
				"The limit on your plan is 10 MB per file. Which file types do you need to upload, so we can suggest options?",
			},
		},
		{ // #21
			contact: BenEmail, subject: "Sync job fails every night", category: "technical",
			priority: model.PriorityHigh, source: model.SourcePortal, stage: stOnUs, product: prodAPI,
			conv: []string{
				"The nightly sync job fails since Monday. The log is attached.",
				"Thanks Ben, the log shows a timeout on the orders endpoint. We're investigating.",
				"Any news? It failed again last night.",
			},
			note:   "INTERNAL NOTE: engineering suspects the new connection pool limit.",
			attach: attachLog,
		},
		{ // #22
			contact: AnaEmail, subject: "Printer shows error E42", category: "technical",
			priority: model.PriorityHigh, source: model.SourcePortal, stage: stOnUs, product: prodPrinter,
			conv: []string{
				"Since this morning the label printer in our warehouse shows error E42 and stops printing. Screenshot attached.",
				"Hi Ana, E42 usually means the print head is overheating. Could you switch it off for 10 minutes and try again?",
				"We tried; the error comes back after a few labels.",
			},
			note:   "INTERNAL NOTE: probably a faulty print head; check the warranty before offering a replacement.",
			attach: attachScreenshot,
		},
		{ // #23
			contact: CarlaEmail, subject: "How do I delete my account?", category: "account",
			priority: model.PriorityLow, source: model.SourcePortal, stage: stCustomer,
			conv: []string{
				"I no longer need the service. How do I delete my account and my data?",
				"We can do it for you. Please confirm that you want to delete the account carla@example.com; this cannot be undone.",
			},
		},
		{ // #24
			contact: GinaEmail, subject: "API rate limit errors", category: "technical",
			priority: model.PriorityUrgent, source: model.SourceEmail, stage: stOnUs, product: prodAPI,
			conv: []string{
				"We're getting HTTP 429 errors from the API although we send fewer than 100 requests per minute.",
				"Thanks Gina. Could you send us a few request IDs from the response headers?",
				"Here are three: req_8f2a, req_91bc, req_a0d4.",
			},
			comment: "INTERNAL COMMENT: Globex shares an IP address with another tenant and the limit is per IP; waiting for the platform team.",
		},
	}
}
