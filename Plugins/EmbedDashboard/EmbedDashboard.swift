import Foundation
import PackagePlugin

/// Builds the dashboard (`Public/` at the package's root) into the target it is applied to, as
/// `EmbeddedDashboardFiles`: the binary then serves it from wherever it is started. The command reruns whenever a
/// file of the folder changes.
@main
struct EmbedDashboard: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Public")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedDashboardFiles.swift")
        var inputs: [URL] = []
        let walker = FileManager.default.enumerator(
            at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        while let url = walker?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { inputs.append(url) }
        }
        return [
            .buildCommand(
                displayName: "Embedding the dashboard (\(inputs.count) files)",
                executable: try context.tool(named: "embed-dashboard").url,
                arguments: [folder.path, output.path],
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
