// Command build rebuilds examples/shop.db from examples/shop.sql:
//
//	go run ./examples/build
package main

import (
	"database/sql"
	"fmt"
	"os"

	_ "modernc.org/sqlite"
)

func main() {
	if err := build("examples/shop.sql", "examples/shop.db"); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

func build(sqlPath, dbPath string) error {
	script, err := os.ReadFile(sqlPath)
	if err != nil {
		return err
	}
	tmp := dbPath + ".tmp"
	_ = os.Remove(tmp)
	db, err := sql.Open("sqlite", tmp)
	if err != nil {
		return err
	}
	if _, err := db.Exec(string(script)); err != nil {
		db.Close()
		return fmt.Errorf("run %s: %w", sqlPath, err)
	}
	if _, err := db.Exec("VACUUM"); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dbPath)
}
