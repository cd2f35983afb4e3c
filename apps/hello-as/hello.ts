// Writes /out/hello.txt greeting the names given as arguments (or "world"), and the
// value of the GREETING environment variable if set: it shows that an AssemblyScript
// module gets arguments, environment and the output folder like any WASI command.
// The wasi-shim gives console and process but no file API, so the file is written
// through the raw WASI calls.
import {
  fd_close, fd_prestat_dir_name, fd_prestat_get, fd_write, path_open,
  errno, lookupflags, oflags, preopentype, prestat, rights,
} from "bindings/wasi_snapshot_preview1";

function findPreopen(wanted: string): i32 {
  // A prestat is a u8 tag followed, at offset 4, by the u32 length of the name.
  const stat = new Uint32Array(2);
  for (let fd: i32 = 3; fd < 64; fd++) {
    if (fd_prestat_get(fd, changetype<prestat>(stat.dataStart)) != errno.SUCCESS) break;
    if (load<u8>(stat.dataStart) != preopentype.DIR) continue;
    const length = <i32>stat[1];
    const name = new Uint8Array(length);
    if (fd_prestat_dir_name(fd, name.dataStart, length) != errno.SUCCESS) continue;
    if (String.UTF8.decodeUnsafe(name.dataStart, length) == wanted) return fd;
  }
  return -1;
}

function writeFile(dirFd: i32, path: string, text: string): u16 {
  const pathBytes = String.UTF8.encode(path);
  const fdOut = new Uint32Array(1);
  let result = path_open(
    dirFd, lookupflags.SYMLINK_FOLLOW,
    changetype<usize>(pathBytes), pathBytes.byteLength,
    oflags.CREAT | oflags.TRUNC,
    rights.FD_WRITE, 0, 0,
    fdOut.dataStart,
  );
  if (result != errno.SUCCESS) return result;
  const data = String.UTF8.encode(text);
  // One iovec: pointer then length, both u32.
  const iov = new Uint32Array(2);
  iov[0] = <u32>changetype<usize>(data);
  iov[1] = <u32>data.byteLength;
  const written = new Uint32Array(1);
  result = fd_write(fdOut[0], iov.dataStart, 1, written.dataStart);
  fd_close(fdOut[0]);
  return result;
}

const names = process.argv.slice(1);
let text = "Hello, " + (names.length > 0 ? names.join(", ") : "world") + "!\n";
if (process.env.has("GREETING")) text += process.env.get("GREETING") + "\n";

const out = findPreopen("/out");
if (out < 0) {
  console.error("hello-as: no /out folder");
  process.exit(3);
}
const status = writeFile(out, "hello.txt", text);
if (status != errno.SUCCESS) {
  console.error("hello-as: cannot write /out/hello.txt, WASI errno " + status.toString());
  process.exit(4);
}
process.stdout.write(text);
