-- A small online shop: the sample database `surveyor scan examples/shop.db` reads.
-- examples/shop.db is built from this file (see examples/README.md); a test checks they agree.
PRAGMA foreign_keys = ON;

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email       TEXT    NOT NULL UNIQUE,
    full_name   VARCHAR(120) NOT NULL,
    country     CHAR(2) NOT NULL DEFAULT 'US' CHECK (length(country) = 2),
    marketing_opt_in BOOLEAN NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX customers_email_lower ON customers (lower(email));

CREATE TABLE addresses (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')),
    line1       TEXT NOT NULL,
    line2       TEXT,
    city        TEXT NOT NULL,
    postal_code TEXT,
    country     CHAR(2) NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX addresses_customer ON addresses (customer_id, kind);
CREATE UNIQUE INDEX addresses_one_default ON addresses (customer_id, kind) WHERE is_default = 1;

CREATE TABLE categories (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    slug      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL,
    category_id INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    description TEXT,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    tax_rate    DECIMAL(5,4) NOT NULL DEFAULT 0.2,
    price_with_tax_cents INTEGER GENERATED ALWAYS AS (CAST(round(price_cents * (1 + tax_rate)) AS INTEGER)) VIRTUAL,
    attributes  JSON,
    active      BOOLEAN NOT NULL DEFAULT 1,
    CONSTRAINT products_sku_unique UNIQUE (sku)
);
CREATE INDEX products_active_by_category ON products (category_id, price_cents DESC) WHERE active = 1;

CREATE TABLE inventory (
    product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    warehouse   TEXT    NOT NULL,
    on_hand     INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved    INTEGER NOT NULL DEFAULT 0,
    available   INTEGER GENERATED ALWAYS AS (on_hand - reserved) STORED,
    PRIMARY KEY (product_id, warehouse)
) WITHOUT ROWID;

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    shipping_address_id INTEGER REFERENCES addresses (id) ON DELETE SET NULL,
    status       TEXT NOT NULL DEFAULT 'pending'
                 CONSTRAINT orders_status_valid CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    placed_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    total_cents  INTEGER NOT NULL DEFAULT 0,
    notes        TEXT
);
CREATE INDEX orders_customer_placed ON orders (customer_id, placed_at DESC);
CREATE INDEX orders_open ON orders (placed_at) WHERE status IN ('pending', 'paid');

CREATE TABLE order_items (
    order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    line_no     INTEGER NOT NULL,
    product_id  INTEGER NOT NULL REFERENCES products (id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_cents  INTEGER NOT NULL,
    line_cents  INTEGER GENERATED ALWAYS AS (quantity * unit_cents) STORED,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_items_product ON order_items (product_id);

CREATE TABLE payments (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    reference  TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    paid_at    TEXT,
    UNIQUE (provider, reference)
) STRICT;

CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    customer_id INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        TEXT,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX reviews_product_rating ON reviews (product_id, rating);

CREATE VIEW order_totals AS
    SELECT o.id AS order_id, o.customer_id, count(i.line_no) AS lines, coalesce(sum(i.line_cents), 0) AS total_cents
    FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
    GROUP BY o.id, o.customer_id;

CREATE VIEW product_ratings AS
    SELECT p.id AS product_id, p.name, avg(r.rating) AS avg_rating, count(r.id) AS reviews
    FROM products p LEFT JOIN reviews r ON r.product_id = p.id
    GROUP BY p.id, p.name;

INSERT INTO customers (email, full_name, country) VALUES
    ('ada@example.com', 'Ada Lovelace', 'GB'),
    ('grace@example.com', 'Grace Hopper', 'US');
INSERT INTO categories (id, parent_id, slug, name) VALUES (1, NULL, 'books', 'Books'), (2, 1, 'computing', 'Computing');
INSERT INTO products (id, sku, category_id, name, price_cents) VALUES
    (1, 'BK-001', 2, 'Notes on the Analytical Engine', 2500),
    (2, 'BK-002', 2, 'A Manual of Operation for the Automatic Sequence Controlled Calculator', 4200);
INSERT INTO inventory (product_id, warehouse, on_hand, reserved) VALUES (1, 'LDN', 12, 2), (2, 'NYC', 5, 0);
INSERT INTO orders (id, customer_id, status, total_cents) VALUES (1, 1, 'paid', 5000);
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_cents) VALUES (1, 1, 1, 2, 2500);
INSERT INTO reviews (product_id, customer_id, rating, body) VALUES (1, 2, 5, 'Visionary.');
ANALYZE;
