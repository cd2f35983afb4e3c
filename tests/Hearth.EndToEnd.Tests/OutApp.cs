using System.Text;

namespace Hearth.EndToEnd.Tests;

/// <summary>Writes a WASI command (as WAT) that makes the given folders, files and symbolic links in /out, in order,
/// and exits non-zero at the first call that fails: results of any shape, made by the real sandbox.</summary>
internal static class OutApp
{
    public abstract record Step(string Path);

    public sealed record Folder(string Path) : Step(Path);

    public sealed record File(string Path, byte[] Content) : Step(Path);

    public sealed record Link(string Path, string Target) : Step(Path);

    public static string Wat(IEnumerable<Step> steps)
    {
        var data = new StringBuilder();
        var calls = new StringBuilder();
        var offset = 1024;
        int Put(byte[] bytes)
        {
            var at = offset;
            data.Append("  (data (i32.const ").Append(at).Append(") \"");
            foreach (var b in bytes) data.Append('\\').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            data.Append("\")\n");
            offset += bytes.Length;
            return at;
        }
        foreach (var step in steps)
        {
            var path = Encoding.UTF8.GetBytes(step.Path);
            var p = Put(path);
            switch (step)
            {
                case Folder:
                    calls.Append($"    (call $mkdir (i32.const {p}) (i32.const {path.Length}))\n");
                    break;
                case File file:
                    var c = Put(file.Content);
                    calls.Append($"    (call $file (i32.const {p}) (i32.const {path.Length}) (i32.const {c}) (i32.const {file.Content.Length}))\n");
                    break;
                case Link link:
                    var target = Encoding.UTF8.GetBytes(link.Target);
                    var t = Put(target);
                    calls.Append($"    (call $link (i32.const {t}) (i32.const {target.Length}) (i32.const {p}) (i32.const {path.Length}))\n");
                    break;
            }
        }
        var pages = offset / 65536 + 1;
        // fd 3 is /in and fd 4 is /out (the sandbox's preopens, in that order).
        return $$"""
            (module
              (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") {{pages}})
              (func $check (param $errno i32) (param $code i32)
                (if (local.get $errno) (then (call $proc_exit (local.get $code)))))
              (func $mkdir (param $p i32) (param $n i32)
                (call $check (call $path_create_directory (i32.const 4) (local.get $p) (local.get $n)) (i32.const 10)))
              (func $link (param $t i32) (param $tn i32) (param $p i32) (param $n i32)
                (call $check (call $path_symlink (local.get $t) (local.get $tn) (i32.const 4) (local.get $p) (local.get $n)) (i32.const 11)))
              (func $file (param $p i32) (param $n i32) (param $c i32) (param $cn i32)
                (call $check (call $path_open (i32.const 4) (i32.const 0) (local.get $p) (local.get $n) (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 12))
                (i32.store (i32.const 0) (local.get $c))
                (i32.store (i32.const 4) (local.get $cn))
                (call $check (call $fd_write (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 24)) (i32.const 13))
                (if (i32.ne (i32.load (i32.const 24)) (local.get $cn)) (then (call $proc_exit (i32.const 15))))
                (call $check (call $fd_close (i32.load (i32.const 16))) (i32.const 14)))
              (func (export "_start")
            {{calls}}  )
            {{data}})
            """;
    }
}
