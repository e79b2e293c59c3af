-- Fixture for the MySQL/MariaDB inspector: every object kind the engine has, in one database.
-- Runs with multiStatements into a fresh database (the connection's default database).

CREATE TABLE customers (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'surrogate key',
  email       VARCHAR(255) NOT NULL,
  name        VARCHAR(100) NULL,
  country     CHAR(2) NOT NULL DEFAULT 'FR',
  nickname    VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_customers_email (email),
  KEY ix_customers_name_country (name, country)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='people who buy';

CREATE TABLE all_types (
  c_tinyint    TINYINT NOT NULL DEFAULT 0,
  c_smallint   SMALLINT NULL,
  c_mediumint  MEDIUMINT NULL,
  c_int        INT NULL,
  c_bigint     BIGINT NOT NULL,
  c_int_u      INT UNSIGNED NULL,
  c_decimal    DECIMAL(10,2) NOT NULL DEFAULT 0.00,
  c_float      FLOAT NULL,
  c_double     DOUBLE NULL,
  c_bit        BIT(1) NULL,
  c_bool       BOOL NOT NULL DEFAULT TRUE,
  c_char       CHAR(10) NULL,
  c_varchar    VARCHAR(40) NULL DEFAULT 'it''s',
  c_text       TEXT NULL,
  c_mediumtext MEDIUMTEXT NULL,
  c_blob       BLOB NULL,
  c_binary     BINARY(16) NULL,
  c_varbinary  VARBINARY(64) NULL,
  c_date       DATE NULL DEFAULT '2020-01-01',
  c_datetime   DATETIME(6) NULL,
  c_timestamp  TIMESTAMP NULL DEFAULT NULL,
  c_time       TIME NULL,
  c_year       YEAR NULL,
  c_json       JSON NULL,
  c_enum       ENUM('small','medium','it''s','a,b','back\\slash') NOT NULL DEFAULT 'small',
  c_set        SET('red','green','blue') NULL,
  PRIMARY KEY (c_bigint)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE orders (
  id          BIGINT NOT NULL AUTO_INCREMENT,
  customer_id INT UNSIGNED NULL,
  status      ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',
  quantity    INT NOT NULL,
  unit_price  DECIMAL(10,2) NOT NULL,
  total       DECIMAL(12,2) AS (quantity * unit_price) STORED,
  label       VARCHAR(40) AS (CONCAT('order-', id)) VIRTUAL,
  placed_at   DATETIME NOT NULL,
  PRIMARY KEY (id),
  KEY ix_orders_placed_desc (placed_at DESC),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    ON DELETE CASCADE ON UPDATE SET NULL,
  CONSTRAINT ck_orders_quantity CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Composite primary key, and a composite foreign key onto it.
CREATE TABLE order_lines (
  order_id BIGINT NOT NULL,
  line_no  SMALLINT UNSIGNED NOT NULL,
  sku      VARCHAR(200) NOT NULL,
  qty      INT NOT NULL DEFAULT 1 CHECK (qty <> 0),
  PRIMARY KEY (order_id, line_no),
  KEY ix_order_lines_sku_prefix (sku(20)),
  CONSTRAINT fk_lines_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE line_notes (
  order_id BIGINT NOT NULL,
  line_no  SMALLINT UNSIGNED NOT NULL,
  note     VARCHAR(500) NOT NULL,
  KEY ix_line_notes_line (order_id, line_no),
  CONSTRAINT fk_notes_line FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE articles (
  id    INT NOT NULL AUTO_INCREMENT,
  title VARCHAR(200) NOT NULL,
  body  TEXT NOT NULL,
  PRIMARY KEY (id),
  FULLTEXT KEY ft_articles_title_body (title, body)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE places (
  id  INT NOT NULL AUTO_INCREMENT,
  pos POINT NOT NULL,
  PRIMARY KEY (id),
  SPATIAL KEY sp_places_pos (pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE audit_log (
  id      INT NOT NULL AUTO_INCREMENT,
  message VARCHAR(255) NOT NULL,
  touched TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id)
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='append only';

CREATE VIEW paid_orders AS
  SELECT o.id, o.customer_id, o.total FROM orders o WHERE o.status = 'paid';

-- MariaDB-specific kinds (the MariaDB 10.11 test server has them all): a system-versioned table,
-- a sequence, and a partitioned table.
CREATE TABLE prices (
  sku   VARCHAR(40) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci WITH SYSTEM VERSIONING;

CREATE SEQUENCE invoice_numbers START WITH 1000 INCREMENT BY 1;

CREATE TABLE events (
  id INT NOT NULL,
  at DATE NOT NULL,
  PRIMARY KEY (id, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
  PARTITION BY RANGE (YEAR(at)) (PARTITION p2024 VALUES LESS THAN (2025), PARTITION pmax VALUES LESS THAN MAXVALUE);
