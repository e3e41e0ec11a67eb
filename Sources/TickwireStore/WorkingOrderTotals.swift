/// Each bot's working orders summed up, kept by triggers on `orders` in both databases: the order rules read one row
/// per new order instead of summing every working order of the bot (a sum that grew with them: 180 µs for 400 working
/// orders on SQLite, half of each order's write transaction).
///
/// A working order (`NEW`, `PARTIALLY_FILLED`) adds its remaining quantity, signed (`working`), and for a buy what it
/// would cost: at its limit (`buy_cost`) or, without one, at the price of the moment (`buy_unpriced` × last price).
/// When a bot's last working order ends, its sums go back to exactly zero, so float rounding cannot outlive them.
enum WorkingOrderTotals {
    static let isWorking = "status IN ('NEW', 'PARTIALLY_FILLED')"

    /// One order's share of each sum (`row` is `NEW`, `OLD` or the table's name).
    static func working(_ row: String) -> String {
        "CASE WHEN \(row).side = 'buy' THEN \(row).quantity - \(row).filled_quantity ELSE \(row).filled_quantity - \(row).quantity END"
    }

    static func buyCost(_ row: String) -> String {
        "CASE WHEN \(row).side = 'buy' AND \(row).price IS NOT NULL THEN (\(row).quantity - \(row).filled_quantity) * \(row).price ELSE 0 END"
    }

    static func buyUnpriced(_ row: String) -> String {
        "CASE WHEN \(row).side = 'buy' AND \(row).price IS NULL THEN \(row).quantity - \(row).filled_quantity ELSE 0 END"
    }

    /// A bot's totals: the signed remaining quantity, and the buys' cost with unpriced ones at the first `?`.
    static let read = """
        SELECT working, buy_cost + buy_unpriced * ? AS buy_cost FROM bot_working_orders WHERE bot_id = ?
        """

    static func table(integer: String, real: String) -> String {
        """
        CREATE TABLE bot_working_orders (
            bot_id \(integer) PRIMARY KEY, orders \(integer) NOT NULL, working \(real) NOT NULL,
            buy_cost \(real) NOT NULL, buy_unpriced \(real) NOT NULL)
        """
    }

    /// The totals of the orders already stored.
    static let backfill = """
        INSERT INTO bot_working_orders (bot_id, orders, working, buy_cost, buy_unpriced)
        SELECT bot_id, COUNT(*), SUM(\(working("orders"))), SUM(\(buyCost("orders"))), SUM(\(buyUnpriced("orders")))
        FROM orders WHERE \(isWorking) GROUP BY bot_id
        """

    /// Adds `row`'s share if it is working.
    static func add(_ row: String) -> String {
        """
        INSERT INTO bot_working_orders (bot_id, orders, working, buy_cost, buy_unpriced)
        SELECT \(row).bot_id, 1, \(working(row)), \(buyCost(row)), \(buyUnpriced(row)) WHERE \(row).\(isWorking)
        ON CONFLICT (bot_id) DO UPDATE SET orders = bot_working_orders.orders + 1,
        working = bot_working_orders.working + excluded.working,
        buy_cost = bot_working_orders.buy_cost + excluded.buy_cost,
        buy_unpriced = bot_working_orders.buy_unpriced + excluded.buy_unpriced
        """
    }

    /// Takes `row`'s share away if it was working.
    static func remove(_ row: String) -> String {
        """
        UPDATE bot_working_orders SET orders = orders - 1,
        working = CASE WHEN orders = 1 THEN 0 ELSE working - (\(working(row))) END,
        buy_cost = CASE WHEN orders = 1 THEN 0 ELSE buy_cost - (\(buyCost(row))) END,
        buy_unpriced = CASE WHEN orders = 1 THEN 0 ELSE buy_unpriced - (\(buyUnpriced(row))) END
        WHERE bot_id = \(row).bot_id AND \(row).\(isWorking)
        """
    }

    static let sqlite: [String] = [
        table(integer: "INTEGER", real: "REAL"),
        backfill,
        "CREATE TRIGGER orders_working_added AFTER INSERT ON orders BEGIN \(add("NEW")); END",
        "CREATE TRIGGER orders_working_changed AFTER UPDATE ON orders BEGIN \(remove("OLD")); \(add("NEW")); END",
        "CREATE TRIGGER orders_working_removed AFTER DELETE ON orders BEGIN \(remove("OLD")); END",
    ]

    static let postgres: [String] = [
        table(integer: "BIGINT", real: "DOUBLE PRECISION"),
        backfill,
        """
        CREATE FUNCTION orders_working_totals() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN \(remove("OLD")); END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN \(add("NEW")); END IF;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER orders_working_totals AFTER INSERT OR UPDATE OR DELETE ON orders
        FOR EACH ROW EXECUTE FUNCTION orders_working_totals()
        """,
    ]
}
