// Command portico is a self-hosted customer portal for help desks.
package main

import (
	"os"

	"portico/app/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], cli.Assets{Views: viewsFS, Static: staticFS, Migrations: migrationsFS}))
}
