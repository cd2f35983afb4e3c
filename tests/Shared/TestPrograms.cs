using System.Text;

namespace Hearth.Tests.Shared;

/// <summary>Test programs shared by the test projects (linked into each that uses them).</summary>
public static class TestPrograms
{
    /// <summary>WebAssembly text of a WASI command that copies /in/<paramref name="path"/> (its first 60,000 bytes) to
    /// /out/copy, and exits 20-23 when a call fails.</summary>
    public static string CopyFromIn(string path) => $$"""
        (module
          (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 2)
          (data (i32.const 1024) "{{path}}")
          (data (i32.const 2048) "copy")
          (func $check (param $errno i32) (param $code i32)
            (if (local.get $errno) (then (call $proc_exit (local.get $code)))))
          (func (export "_start")
            (call $check (call $path_open (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const {{Encoding.UTF8.GetByteCount(path)}})
              (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 20))
            (i32.store (i32.const 0) (i32.const 4096))
            (i32.store (i32.const 4) (i32.const 60000))
            (call $check (call $fd_read (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 24)) (i32.const 21))
            (call $check (call $path_open (i32.const 4) (i32.const 0) (i32.const 2048) (i32.const 4)
              (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 20)) (i32.const 22))
            (i32.store (i32.const 8) (i32.const 4096))
            (i32.store (i32.const 12) (i32.load (i32.const 24)))
            (call $check (call $fd_write (i32.load (i32.const 20)) (i32.const 8) (i32.const 1) (i32.const 28)) (i32.const 23))))
        """;

    /// <summary>WebAssembly text of a WASI command that writes its arguments to /out/args and its environment to /out/env,
    /// each as WASI gives them (NUL-terminated strings, argv[0] first), and exits 20-28 when a call fails.</summary>
    public const string WriteArgsAndEnv = """
        (module
          (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 4)
          (data (i32.const 2048) "args")
          (data (i32.const 2056) "env")
          (func $check (param $errno i32) (param $code i32)
            (if (local.get $errno) (then (call $proc_exit (local.get $code)))))
          (func $save (param $name i32) (param $nameLen i32) (param $buf i32) (param $len i32) (param $code i32)
            (call $check (call $path_open (i32.const 4) (i32.const 0) (local.get $name) (local.get $nameLen)
              (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 20)) (local.get $code))
            (i32.store (i32.const 8) (local.get $buf))
            (i32.store (i32.const 12) (local.get $len))
            (call $check (call $fd_write (i32.load (i32.const 20)) (i32.const 8) (i32.const 1) (i32.const 28)) (i32.add (local.get $code) (i32.const 1))))
          (func (export "_start")
            (call $check (call $args_sizes_get (i32.const 32) (i32.const 36)) (i32.const 20))
            (if (i32.gt_u (i32.load (i32.const 36)) (i32.const 60000)) (then (call $proc_exit (i32.const 21))))
            (call $check (call $args_get (i32.const 4096) (i32.const 65536)) (i32.const 22))
            (call $save (i32.const 2048) (i32.const 4) (i32.const 65536) (i32.load (i32.const 36)) (i32.const 23))
            (call $check (call $environ_sizes_get (i32.const 40) (i32.const 44)) (i32.const 25))
            (if (i32.gt_u (i32.load (i32.const 44)) (i32.const 60000)) (then (call $proc_exit (i32.const 26))))
            (call $check (call $environ_get (i32.const 4096) (i32.const 131072)) (i32.const 27))
            (call $save (i32.const 2056) (i32.const 3) (i32.const 131072) (i32.load (i32.const 44)) (i32.const 28))))
        """;

    /// <summary><see cref="CopyFromIn"/> as UTF-8 bytes (the worker takes the text format too).</summary>
    public static byte[] CopyFromInBytes(string path) => Encoding.UTF8.GetBytes(CopyFromIn(path));

    /// <summary>A WASI command that writes "the input is wrong" to stderr and exits 3: a program's own failure.</summary>
    public const string Exits3 = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "the input is wrong\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 19))
            (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
            (call $proc_exit (i32.const 3))))
        """;
}
