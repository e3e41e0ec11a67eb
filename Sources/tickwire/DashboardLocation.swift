import Foundation

/// Where `tickwire serve` finds the dashboard when no folder is named: the working directory's `Public`, then beside
/// the executable (`bin/Public`, or an install's `share/tickwire/Public`), then the checkout it was built from. So a
/// binary started from any folder serves the dashboard, and an installed one carries it in its prefix.
enum DashboardLocation {
    static func find(fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String? {
        candidates().first { fileExists($0 + "/index.html") }
    }

    static func candidates(
        executable: URL? = Bundle.main.executableURL?.resolvingSymlinksInPath(), source: String = #filePath
    ) -> [String] {
        var folders = ["Public"]
        if let bin = executable?.deletingLastPathComponent() {
            folders.append(bin.appendingPathComponent("Public").path)
            folders.append(bin.deletingLastPathComponent().appendingPathComponent("share/tickwire/Public").path)
        }
        // Sources/tickwire/DashboardLocation.swift → the checkout's Public.
        let checkout = URL(fileURLWithPath: source).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        folders.append(checkout.appendingPathComponent("Public").path)
        return folders
    }
}
