/** The demo's sample shop: a few tables with the column types people sync, and some rows. */
export const sampleSchemaStatements = [
  `CREATE TABLE customers (
     id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
     email VARCHAR(191) NOT NULL UNIQUE,
     full_name VARCHAR(200) NOT NULL,
     country CHAR(2) NOT NULL,
     preferences JSON NULL,
     created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
     updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
   ) ENGINE=InnoDB`,
  `CREATE TABLE products (
     sku VARCHAR(32) NOT NULL PRIMARY KEY,
     title VARCHAR(200) NOT NULL,
     price DECIMAL(10,2) NOT NULL,
     stock INT NOT NULL DEFAULT 0,
     status ENUM('active','retired') NOT NULL DEFAULT 'active',
     updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
   ) ENGINE=InnoDB`,
  `CREATE TABLE orders (
     id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
     customer_id INT UNSIGNED NOT NULL,
     sku VARCHAR(32) NOT NULL,
     quantity SMALLINT NOT NULL,
     total DECIMAL(12,2) NOT NULL,
     note TEXT NULL,
     ordered_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
   ) ENGINE=InnoDB`,
];

export const sampleDataStatements = [
  `INSERT INTO customers (email, full_name, country, preferences) VALUES
     ('ada@example.com', 'Ada Lovelace', 'GB', '{"newsletter": true}'),
     ('grace@example.com', 'Grace Hopper', 'US', '{"newsletter": false, "theme": "dark"}'),
     ('linus@example.com', 'Linus Torvalds', 'FI', NULL),
     ('margaret@example.com', 'Margaret Hamilton', 'US', '{"language": "en"}'),
     ('yukihiro@example.com', 'まつもと ゆきひろ', 'JP', '{"emoji": "💎"}')`,
  `INSERT INTO products (sku, title, price, stock) VALUES
     ('KB-01', 'Mechanical keyboard', 129.00, 40),
     ('MS-02', 'Wireless mouse', 39.90, 120),
     ('MN-27', '27" monitor', 329.50, 15),
     ('HD-05', 'Noise-cancelling headphones', 249.00, 30)`,
  `INSERT INTO orders (customer_id, sku, quantity, total, note)
     SELECT customers.id, products.sku, 1 + (customers.id + LENGTH(products.sku)) % 3,
            products.price * (1 + (customers.id + LENGTH(products.sku)) % 3), NULL
       FROM customers CROSS JOIN products`,
];

export const sampleTables = [
  { name: 'customers', primaryKey: 'id' },
  { name: 'products', primaryKey: 'sku' },
  { name: 'orders', primaryKey: 'id' },
] as const;
