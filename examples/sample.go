// Package examples holds the sample databases. The server embeds the sample shop database
// (shop.db, built from shop.sql) and registers it as a source on first start, so a new console
// shows something.
package examples

import _ "embed"

// ShopDB is examples/shop.db.
//
//go:embed shop.db
var ShopDB []byte
