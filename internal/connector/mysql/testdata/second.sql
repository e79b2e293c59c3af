-- The second database of the multi-database tests. {{fixture}} is replaced by the name of the
-- fixture database, to show a foreign key across databases.
CREATE TABLE invoices (
  id          INT NOT NULL,
  customer_id INT UNSIGNED NULL,
  amount      DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_invoices_customer FOREIGN KEY (customer_id) REFERENCES `{{fixture}}`.customers (id)
) ENGINE=InnoDB;

CREATE TABLE audit_trail (
  id INT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;
