import Foundation

/// Where `tickwire serve` finds a dashboard folder when none is named: the working directory's `Public` (a checkout,
/// where edits show at once), then beside the executable (`bin/Public`, or an install's `share/tickwire/Public`, which
/// an operator may change). Without one it serves the copy built into the binary.
enum DashboardLocation {
    static func find(fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String? {
        candidates().first { fileExists($0 + "/index.html") }
    }

    static func candidates(executable: URL? = Bundle.main.executableURL?.resolvingSymlinksInPath()) -> [String] {
        var folders = ["Public"]
        if let bin = executable?.deletingLastPathComponent() {
            folders.append(bin.appendingPathComponent("Public").path)
            folders.append(bin.deletingLastPathComponent().appendingPathComponent("share/tickwire/Public").path)
        }
        return folders
    }
}
