package core

import "portico/app/mail"

// Mailer returns the server's Mailer, or builds one from the other
// dependencies when none was given (tests that don't care about mail).
func (s *Core) Mailer() (*mail.Mailer, error) {
	if s.Mail != nil {
		return s.Mail, nil
	}
	return mail.NewFromConfig(s.Config, s.Views, s.I18n, s.Secret)
}
