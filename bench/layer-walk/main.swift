// bench/layer-walk's timer: applies the layer files named on the command line bottom to top
// to one LayeredFileTree (Inventory.isOfInterest) and prints the seconds and kept paths.
// Built by bench/layer-walk with swiftc -O from ImageInventory's sources (not through SwiftPM).
import Foundation

@main
struct LayerWalkBench {
    static func main() throws {
        let layers = CommandLine.arguments.dropFirst()
        let start = Date()
        var tree = LayeredFileTree(wants: { Inventory.isOfInterest($0) })
        for (index, path) in layers.enumerated() { try tree.apply(layerFile: URL(fileURLWithPath: path), label: "layer \(index + 1)") }
        print(String(format: "%.3f s, %d paths kept", Date().timeIntervalSince(start), tree.paths.count))
    }
}
