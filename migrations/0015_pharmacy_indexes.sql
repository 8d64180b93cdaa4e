-- Indexes for the pharmacy: its dashboard (GET /api/v1/pharmacy/dashboard) and the counter's
-- lookup of a prescription by number. No new tables: products, lots and stock_moves are
-- reference tables under Citus (0010_pharmacy.sql), and these indexes follow them to every
-- node; the prescriptions index follows its table's shards.

-- Consumption per day and top products read the dispenses of the last days only: a range scan
-- of this index (index-only: the product and quantity are carried in it), not the whole ledger.
create index stock_moves_dispensed_idx on stock_moves (created_at) include (product_id, quantity)
  where kind = 'dispense';

-- The low-stock list reads the flagged products by name, not every product's lots.
create index products_below_min_idx on products (name, id) where below_min and active;

-- Lots by expiry date across products: the expiring list, first to expire first.
create index lots_expires_on_idx on lots (expires_on, id);

-- The pharmacy counter finds a prescription by the number printed on it
-- (GET /prescriptions?number=), whoever the patient is.
create index prescriptions_number_idx on prescriptions (number);
