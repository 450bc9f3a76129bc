-- workload.sql: a real query workload for sqlite3 under `uao run'.
--
-- The page cache (cache_size) and temporary storage are larger than the
-- RAM limit the test gives, so sqlite's own memory is paged out and in
-- while it builds tables, indexes and answers joins.  Every value is
-- computed, never random: the output must match a plain run byte for
-- byte.
PRAGMA cache_size = -262144;      -- 256 MiB of page cache, in the heap
PRAGMA temp_store = MEMORY;       -- sorts and temporary b-trees too
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;

CREATE TABLE customer(id INTEGER PRIMARY KEY, region INTEGER, name TEXT,
    note TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, day INTEGER,
    amount INTEGER, memo TEXT);

WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c
    WHERE x < 20000)
INSERT INTO customer
SELECT x, (x * 7919) % 31, printf('customer-%06d', (x * 104729) % 1000003),
    printf('%.*c', 100 + (x * 31) % 200, char(97 + x % 26))
FROM c;

WITH RECURSIVE o(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM o
    WHERE x < :ORDERS)
INSERT INTO orders
SELECT x, 1 + (x * 2654435761) % 20000, (x * 40503) % 3650,
    (x * 1103515245 + 12345) % 100000,
    printf('memo %d %.*c', x, 200 + (x * 17) % 400, char(65 + x % 26))
FROM o;

CREATE INDEX orders_customer ON orders(customer, day);

SELECT 'rows', (SELECT count(*) FROM customer), (SELECT count(*) FROM orders),
    (SELECT sum(length(memo)) FROM orders);

-- a join with grouping and ordering
SELECT c.region, count(*), sum(o.amount), min(o.day), max(o.day)
FROM orders o JOIN customer c ON c.id = o.customer
GROUP BY c.region ORDER BY sum(o.amount) DESC, c.region;

-- the top customers, through the index
SELECT c.name, count(*) AS n, sum(o.amount) AS total
FROM customer c JOIN orders o ON o.customer = c.id
GROUP BY c.id ORDER BY total DESC, c.id LIMIT 15;

-- a sort over every row (a temporary b-tree in memory)
SELECT o.id, o.amount, length(o.memo) FROM orders o
ORDER BY o.amount DESC, substr(o.memo, 1, 40), o.id LIMIT 20;

-- a self-join on a window of days
SELECT a.day / 365 AS year, count(*), sum(a.amount - b.amount) % 1000003
FROM orders a JOIN orders b ON b.customer = a.customer AND b.day = a.day + 1
GROUP BY year ORDER BY year;

-- rewrite a third of the rows, then check them again
UPDATE orders SET memo = upper(memo) || ' updated', amount = amount + 1
WHERE id % 3 = 0;
SELECT count(*), sum(amount), sum(length(memo)), total(instr(memo, 'updated'))
FROM orders;
SELECT customer % 10, group_concat(id % 7, '') FROM
    (SELECT customer, id FROM orders WHERE id % 997 = 0 ORDER BY id)
GROUP BY customer % 10 ORDER BY 1;
