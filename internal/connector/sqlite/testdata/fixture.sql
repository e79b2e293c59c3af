-- Every kind of object the SQLite inspector reads. Loaded into a fresh file by the tests.

-- INTEGER PRIMARY KEY AUTOINCREMENT (a rowid alias), NOT NULL, literal and expression defaults,
-- a column-level UNIQUE, a named CHECK with nested parentheses and an unnamed one whose string
-- holds ')', a NOCASE collation.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(255) NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT 'anonymous',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed)', 'x(y')),
    balance DECIMAL(10,2) DEFAULT 0.00,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT customers_email_key UNIQUE (email),
    CONSTRAINT balance_range CHECK ((balance >= 0) AND (balance < (1000000 * (1 + 0))))
);

-- Composite primary key, FKs with ON DELETE CASCADE, SET NULL and DEFERRABLE INITIALLY DEFERRED,
-- a named table-level FK, a generated VIRTUAL and a STORED column.
CREATE TABLE orders (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    order_no INTEGER NOT NULL,
    coupon_id INTEGER,
    referrer_id INTEGER REFERENCES customers ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price REAL NOT NULL,
    total REAL GENERATED ALWAYS AS (quantity * unit_price) VIRTUAL,
    label TEXT AS ('order-' || order_no) STORED,
    note /* a comment with ) */ TEXT,
    PRIMARY KEY (customer_id, order_no),
    CONSTRAINT orders_coupon_fk FOREIGN KEY (coupon_id) REFERENCES coupons (id) ON UPDATE CASCADE ON DELETE SET NULL
);

CREATE TABLE coupons (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    percent INTEGER NOT NULL DEFAULT 10
);

-- WITHOUT ROWID with a text key.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value BLOB,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
) WITHOUT ROWID;

-- STRICT.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload ANY,
    at INT NOT NULL
) STRICT;

-- Indexes: unique, multi-column, partial, expression, descending.
CREATE UNIQUE INDEX coupons_code_upper ON coupons (upper(code));
CREATE INDEX orders_customer_total ON orders (customer_id, unit_price);
CREATE INDEX customers_active ON customers (created_at) WHERE status = 'active' AND balance > 0;
CREATE INDEX customers_lower_email ON customers (lower(email));
CREATE INDEX events_at_desc ON events (at DESC, kind);

CREATE VIEW active_customers AS
    SELECT id, email, name FROM customers WHERE status = 'active';
