package samltest

import "encoding/base64"

// encodeStd is standard base64.
func encodeStd(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
