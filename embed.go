package main

import "embed"

// The built binary carries its templates, static files and migrations, so it
// needs no file beside it.
//
// The stylesheet is generated from the templates; the built file is
// committed so that `go build` needs no Node.
//
//go:generate npx --yes tailwindcss@3.4.19 -c tailwind.config.js -i static/css/input.css -o static/css/app.css --minify

//go:embed views
var viewsFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed db/migrations
var migrationsFS embed.FS
