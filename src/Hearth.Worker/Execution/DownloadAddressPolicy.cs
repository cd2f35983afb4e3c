using System.Net;
using System.Net.Sockets;

namespace Hearth.Worker.Execution;

/// <summary>
/// Which hosts and addresses the worker may download assets from (<see cref="WorkerOptions.AllowedDownloadHosts"/>).
/// The storage service the worker is configured with (<see cref="WorkerOptions.StorageUrl"/>: its host and port) is
/// always allowed. Otherwise a host name is resolved and every address it resolves to is checked: an address inside a
/// listed network is allowed; any other must be public and its host allowed (no list, <c>*</c>, or a listed name).
/// <see cref="ConnectAsync"/> connects only to addresses it has just checked, so a second DNS answer cannot slip in.
/// </summary>
internal sealed class DownloadAddressPolicy
{
    public const string Setting = WorkerOptions.SectionName + ":" + nameof(WorkerOptions.AllowedDownloadHosts);

    private const string Examples = "storage.example.org, *.example.org, 203.0.113.7, 10.0.0.0/8, or * for any host with public addresses";

    private readonly bool _anyPublicHost;
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _suffixes = [];
    private readonly List<Network> _networks = [];
    private readonly (string Host, int Port)? _trusted;

    /// <param name="allowedHosts">Entries as <see cref="DescribeInvalidEntry"/> accepts them; empty allows any public host.</param>
    /// <param name="trustedStorage">The worker's own storage: its host and port are allowed whatever their addresses.</param>
    public DownloadAddressPolicy(IReadOnlyCollection<string> allowedHosts, Uri? trustedStorage)
    {
        ArgumentNullException.ThrowIfNull(allowedHosts);
        _anyPublicHost = allowedHosts.Count == 0;
        foreach (var raw in allowedHosts)
        {
            var entry = raw.Trim();
            if (DescribeInvalidEntry(entry) is { } problem)
                throw new ArgumentException($"{Setting} entry {problem}", nameof(allowedHosts));
            if (entry == "*")
                _anyPublicHost = true;
            else if (Network.TryParse(entry, out var network))
                _networks.Add(network);
            else if (entry.StartsWith("*.", StringComparison.Ordinal))
                _suffixes.Add(NormalizeHost(entry[1..]));
            else
                _names.Add(NormalizeHost(entry));
        }
        if (trustedStorage is not null)
            _trusted = (NormalizeHost(trustedStorage.IdnHost), trustedStorage.Port);
    }

    /// <summary>Null when <paramref name="entry"/> is a valid entry; otherwise what is wrong with it and what to give.</summary>
    public static string? DescribeInvalidEntry(string? entry)
    {
        if (string.IsNullOrWhiteSpace(entry))
            return $"is empty: give a host name, an IP address or a network ({Examples}).";
        entry = entry.Trim();
        if (entry == "*" || Network.TryParse(entry, out _))
            return null;
        if (entry.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(entry[..entry.IndexOf('/', StringComparison.Ordinal)].Trim('[', ']'), out _))
            return $"'{entry}' is not a network: give an address and a prefix length (0 to 32 for IPv4, 0 to 128 for IPv6), e.g. 10.0.0.0/8 or fd00::/8.";
        var name = entry.StartsWith("*.", StringComparison.Ordinal) ? entry[2..] : entry;
        if (Uri.CheckHostName(name) != UriHostNameType.Dns || name.Contains('*', StringComparison.Ordinal))
            return $"'{entry}' is not a host name, an IP address or a network: give e.g. {Examples}.";
        return null;
    }

    /// <summary>
    /// Why connecting to <paramref name="host"/>:<paramref name="port"/>, which resolved to <paramref name="addresses"/>,
    /// is refused, or null when it is allowed.
    /// </summary>
    public string? Refusal(string host, int port, IReadOnlyList<IPAddress> addresses)
    {
        host = NormalizeHost(host);
        if (_trusted is { } trusted && trusted.Host == host && trusted.Port == port)
            return null;
        if (addresses.Count == 0)
            return $"{host} resolves to no address";
        var hostAllowed = _anyPublicHost || _names.Contains(host) || _suffixes.Exists(suffix => host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase));
        foreach (var address in addresses)
        {
            if (_networks.Exists(network => network.Contains(address)))
                continue;
            if (!hostAllowed)
                return $"{host} is not in {Setting}";
            if (NonPublicKind(address) is { } kind)
                return $"{address} is {kind} (list its network in {Setting} to allow it)";
        }
        return null;
    }

    /// <summary>
    /// The addresses of <paramref name="host"/> (resolved unless it is an IP literal), all checked; throws
    /// <see cref="DownloadRefusedException"/> when any of them is refused.
    /// </summary>
    public async Task<IPAddress[]> ResolveAsync(string host, int port, CancellationToken ct)
    {
        var name = NormalizeHost(host);
        var addresses = IPAddress.TryParse(name, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(name, ct);
        if (Refusal(name, port, addresses) is { } refusal)
            throw new DownloadRefusedException($"refused to connect to {Authority(name, port)}: {refusal}");
        return addresses;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves and checks the host, then connects to one of the
    /// checked addresses (never resolving again).
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = await ResolveAsync(endpoint.Host, endpoint.Port, ct);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// What kind of non-public address <paramref name="address"/> is ("a link-local address"), or null when it is public.
    /// IPv4 addresses inside IPv6 ones (mapped, NAT64, 6to4) are judged as the IPv4 address they carry.
    /// </summary>
    public static string? NonPublicKind(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return Ipv4Kind(b);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return "not an IP address";

        if (address.Equals(IPAddress.IPv6Any))
            return "an unspecified address";
        if (address.Equals(IPAddress.IPv6Loopback))
            return "a loopback address";
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
            return "a link-local address";
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
            return "a site-local address";
        if ((b[0] & 0xfe) == 0xfc)
            return "a unique-local (private) address";
        if (b[0] == 0xff)
            return "a multicast address";
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
            return "an IPv4-compatible (deprecated) address";
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they carry.
        if (b.AsSpan(0, 4).SequenceEqual(new byte[] { 0x00, 0x64, 0xff, 0x9b }))
            return b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0 ? Ipv4Kind(b[12..16]) : "a local-use NAT64 address";
        if (b[0] == 0x20 && b[1] == 0x02)
            return Ipv4Kind(b[2..6]);
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
            return "a Teredo address";
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
            return "a documentation address";
        if (b[0] == 0x01 && b[1] == 0x00 && b.AsSpan(2, 6).IndexOfAnyExcept((byte)0) < 0)
            return "a discard-only address";
        return null;
    }

    /// <summary>host:port, with brackets around an IPv6 address.</summary>
    public static string Authority(string host, int port) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]:{port}" : $"{host}:{port}";

    private static string? Ipv4Kind(byte[] b) => b switch
    {
        [0, 0, 0, 0] => "an unspecified address",
        [0, ..] => "a 'this network' address",
        [10, ..] => "a private address",
        [100, var x, ..] when (x & 0xc0) == 64 => "a shared (carrier-grade NAT) address",
        [127, ..] => "a loopback address",
        [169, 254, ..] => "a link-local address",
        [172, var x, ..] when (x & 0xf0) == 16 => "a private address",
        [192, 0, 0, _] => "an IETF protocol address",
        [192, 0, 2, _] or [198, 51, 100, _] or [203, 0, 113, _] => "a documentation address",
        [192, 168, ..] => "a private address",
        [198, var x, ..] when (x & 0xfe) == 18 => "a benchmarking address",
        [>= 224 and < 240, ..] => "a multicast address",
        [>= 240, ..] => "a reserved address",
        _ => null,
    };

    private static string NormalizeHost(string host) => host.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.').ToLowerInvariant();

    /// <summary>An address and a prefix length; a plain address is a network of one.</summary>
    private readonly record struct Network(byte[] Prefix, int Bits)
    {
        public static bool TryParse(string text, out Network network)
        {
            network = default;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var addressText = slash < 0 ? text : text[..slash];
            if (!IPAddress.TryParse(addressText.TrimStart('[').TrimEnd(']'), out var address))
                return false;
            if (address.IsIPv4MappedToIPv6)
                address = address.MapToIPv4();
            var bytes = address.GetAddressBytes();
            var bits = bytes.Length * 8;
            if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bits)
                || bits > bytes.Length * 8))
                return false;
            network = new Network(bytes, bits);
            return true;
        }

        public bool Contains(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6)
                address = address.MapToIPv4();
            var bytes = address.GetAddressBytes();
            if (bytes.Length != Prefix.Length)
                return false;
            var whole = Bits / 8;
            if (!bytes.AsSpan(0, whole).SequenceEqual(Prefix.AsSpan(0, whole)))
                return false;
            var rest = Bits % 8;
            if (rest == 0)
                return true;
            var mask = (byte)(0xff << (8 - rest));
            return (bytes[whole] & mask) == (Prefix[whole] & mask);
        }
    }
}

/// <summary>The download policy refused a host or address; the message names it and the setting that would allow it.</summary>
internal sealed class DownloadRefusedException(string message) : Exception(message);
