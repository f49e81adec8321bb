package demo

import "portico/app/model"

// ticketSpec describes one demo ticket. The pipeline follows from the
// stage, the inbox from the category (billing goes to Billing).
type ticketSpec struct {
	contact  string // email of the only associated contact
	subject  string
	category string
	priority string
	source   string
	stage    string
	product  string // the custom:product property, when set
	// desc is the ticket's description; empty means the first message.
	desc string
	// conv is the current thread, customer and agent taking turns,
	// customer first. Empty means no thread at all.
	conv []string
	// older is an earlier thread of the same ticket, which the portal
	// must not show.
	older   []string
	note    string // an internal note by staff
	comment string // an internal comment by staff
	attach  string // attachScreenshot or attachLog, on the first message
}

func (t ticketSpec) description() string {
	if t.desc != "" || len(t.conv) == 0 {
		return t.desc
	}
	return t.conv[0]
}

// Stage names, short for the table.
const (
	stNew      = "New"
	stOnUs     = "Waiting on us"
	stCustomer = "Waiting on customer"
	stClosed   = "Closed"
	stTriage   = "Triage"
	stDone     = "Done"
)

// Products for the custom:product property.
const (
	prodCloud   = "Portico Cloud"
	prodAPI     = "Portico API"
	prodMobile  = "Portico Mobile"
	prodPrinter = "Label printer"
)

// ticketSpecs is the demo ticket table, oldest first: on a fresh database
// the ticket ID is the #N in the comments. Per contact (48 in all):
//
//   - Ana: 18, of which 16 in the support pipeline (6 closed, 10 open) and
//     2 "[IT]" tickets in Internal IT (#16, #36) that the portal hides.
//   - Ben: 16, all with company Acme and no other contact, so Ana sees them
//     only as organization tickets; 15 in the support pipeline, one [IT] (#10).
//   - Gina: 7 (Globex). Carla: 7 (no company).
//
// Tickets the portal tests rely on:
//
//	#21 Ben   "Sync job fails every night"     error-log.txt, internal note
//	#22 Ana   "Printer shows error E42"        screenshot.png, internal note
//	#24 Gina  "API rate limit errors"          internal comment
//	#25 Ana   "Invoice address change"         two threads; only the newer shows
//	#26 Ben   "Acme VPN certificate renewal"   organization view only for Ana
//	#31 Ana   "Phone call: renewal quote"      source phone, no thread
func ticketSpecs() []ticketSpec {
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
