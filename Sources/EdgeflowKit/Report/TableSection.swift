/// One protocol's section of the table report: the few rows that rank highest, out of all
/// the rows its flows offered. The protocol says how its section looks (`Layout`, in the
/// report part of its folder) and what row a flow gives (`Row`); the table writer lays the
/// sections out in `AppReport.tableLayouts` order.
struct TableSection {
    /// How a section looks: constants of the protocol's report part.
    struct Layout: Sendable {
        /// The heading: the bold `title` ("STUN/TURN"), how many rows were offered, counted as
        /// `noun`s ("flow"), and `which` of them are shown ("busiest", after "the N").
        let title: String, noun: String, which: String
        /// Characters of a row besides its two endpoint columns (to fit the terminal's width),
        /// and the flow column's width beyond the two endpoint columns.
        let fixed: Int, flowGap: Int
        /// Headings: of the column before the flow (empty when there is none), padded; of the
        /// flow column; of the columns after it, padded.
        let leadHeading: String, flowHeading: String, columnsHeading: String
    }

    /// One row: ranked by `rank` (greatest first), the lead column, the flow's ends, the
    /// columns after it and note lines below it.
    struct Row {
        var rank: (Double, Double)
        var lead: String = ""
        var from: String
        var to: String
        var text: String
        var notes: [String]
    }

    /// Most rows shown per section.
    static let maximumRows = 10

    let layout: Layout
    /// Rows offered so far.
    private(set) var offered = 0
    private(set) var rows: [Row] = []

    init(_ layout: Layout) { self.layout = layout }

    /// Keeps `row` if it ranks among the `maximumRows` highest so far.
    mutating func offer(_ row: Row) {
        offered += 1
        if rows.count < Self.maximumRows { rows.append(row); return }
        if let i = rows.indices.min(by: { rows[$0].rank < rows[$1].rank }), rows[i].rank < row.rank { rows[i] = row }
    }
}
