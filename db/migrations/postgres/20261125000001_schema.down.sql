DROP TABLE IF EXISTS portal_settings, used_nonces, tokens, mail_outbox, audit_log,
    consent_records, consent_versions, form_submissions, forms, attachments, messages,
    threads, ticket_companies, ticket_contacts, tickets, inboxes, stages, pipelines,
    staff_users, list_members, lists, contact_identities, contacts, companies CASCADE;
