import Foundation

/// Takes one wanted file's contents as they stream out of a layer and keeps only what its
/// reader needs (``DebianCopyrightCondenser``): the file's size then costs nothing, and only
/// ``finish()``'s result counts against the bytes kept per image.
protocol ContentCondenser: AnyObject {
    func feed(_ bytes: UnsafeRawBufferPointer)
    /// What stands for the file in the tree, read as if it were the file.
    func finish() -> Data
}
