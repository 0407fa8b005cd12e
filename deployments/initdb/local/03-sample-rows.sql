-- A few rows for the sample shop, on the local database only (cloud starts empty and gets them from the first
-- sync). Its auto_increment_offset (1, with auto_increment_increment 2) gives local odd ids, cloud even ones.
SET NAMES utf8mb4;

INSERT INTO customers (email, full_name, country, preferences) VALUES
  ('ada@example.com', 'Ada Lovelace', 'GB', '{"newsletter": true}'),
  ('grace@example.com', 'Grace Hopper', 'US', '{"newsletter": false, "theme": "dark"}'),
  ('linus@example.com', 'Linus Torvalds', 'FI', NULL),
  ('margaret@example.com', 'Margaret Hamilton', 'US', '{"language": "en"}'),
  ('yukihiro@example.com', 'まつもと ゆきひろ', 'JP', '{"emoji": "💎"}');

INSERT INTO products (sku, title, price, stock) VALUES
  ('KB-01', 'Mechanical keyboard', 129.00, 40),
  ('MS-02', 'Wireless mouse', 39.90, 120),
  ('MN-27', '27" monitor', 329.50, 15),
  ('HD-05', 'Noise-cancelling headphones', 249.00, 30);

INSERT INTO orders (customer_id, sku, quantity, total, note)
  SELECT customers.id, products.sku, 1 + (customers.id + LENGTH(products.sku)) % 3,
         products.price * (1 + (customers.id + LENGTH(products.sku)) % 3), NULL
    FROM customers CROSS JOIN products;
