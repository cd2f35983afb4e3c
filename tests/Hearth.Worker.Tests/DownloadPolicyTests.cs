using System.Net;
using Hearth.Worker.Execution;
using Microsoft.Extensions.Options;

namespace Hearth.Worker.Tests;

/// <summary>Which addresses a worker may download from, and the download settings' validation.</summary>
public sealed class DownloadPolicyTests(ITestOutputHelper output)
{
    private static readonly Uri Storage = new("http://127.0.0.1:5000/");

    [Theory]
    [InlineData("169.254.169.254", "a link-local address")]
    [InlineData("::ffff:169.254.169.254", "a link-local address")]
    [InlineData("64:ff9b::a9fe:a9fe", "a link-local address")]
    [InlineData("2002:a9fe:a9fe::1", "a link-local address")]
    [InlineData("fe80::1", "a link-local address")]
    [InlineData("127.0.0.1", "a loopback address")]
    [InlineData("127.8.9.10", "a loopback address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("0.0.0.0", "an unspecified address")]
    [InlineData("::", "an unspecified address")]
    [InlineData("10.1.2.3", "a private address")]
    [InlineData("172.31.255.255", "a private address")]
    [InlineData("192.168.1.1", "a private address")]
    [InlineData("100.64.0.1", "a shared (carrier-grade NAT) address")]
    [InlineData("fd12:3456::1", "a unique-local (private) address")]
    [InlineData("224.0.0.1", "a multicast address")]
    [InlineData("255.255.255.255", "a reserved address")]
    [InlineData("::7f00:1", "an IPv4-compatible (deprecated) address")]
    [InlineData("8.8.8.8", null)]
    [InlineData("172.32.0.1", null)]
    [InlineData("100.128.0.1", null)]
    [InlineData("2606:4700:4700::1111", null)]
    [InlineData("::ffff:8.8.8.8", null)]
    public void Addresses_are_judged_public_or_not(string address, string? kind) =>
        Assert.Equal(kind, DownloadAddressPolicy.NonPublicKind(IPAddress.Parse(address)));

    [Fact]
    public void With_no_list_any_host_with_only_public_addresses_is_allowed()
    {
        var policy = new DownloadAddressPolicy([], Storage);

        Assert.Null(policy.Refusal("storage.example.org", 443, [IPAddress.Parse("93.184.216.34")]));
        Assert.Equal("169.254.169.254 is a link-local address (list its network in Worker:AllowedDownloadHosts to allow it)",
            policy.Refusal("rebind.example.org", 80, [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("169.254.169.254")]));
        Assert.Contains("a loopback address", policy.Refusal("localhost", 5001, [IPAddress.Loopback]));
    }

    [Fact]
    public void The_workers_own_storage_is_allowed_on_its_port_only()
    {
        var policy = new DownloadAddressPolicy([], Storage);

        Assert.Null(policy.Refusal("127.0.0.1", 5000, [IPAddress.Loopback]));
        Assert.NotNull(policy.Refusal("127.0.0.1", 5001, [IPAddress.Loopback]));
    }

    [Fact]
    public void Listed_names_allow_their_hosts_and_listed_networks_their_addresses()
    {
        var policy = new DownloadAddressPolicy(["storage.example.org", "*.cdn.example.net", "10.0.0.0/8", "::1"], Storage);
        var publicAddress = IPAddress.Parse("93.184.216.34");

        Assert.Null(policy.Refusal("STORAGE.example.org.", 443, [publicAddress]));
        Assert.Null(policy.Refusal("eu.cdn.example.net", 443, [publicAddress]));
        Assert.Equal("cdn.example.net is not in Worker:AllowedDownloadHosts", policy.Refusal("cdn.example.net", 443, [publicAddress]));
        Assert.Equal("other.example.org is not in Worker:AllowedDownloadHosts", policy.Refusal("other.example.org", 443, [publicAddress]));
        Assert.Null(policy.Refusal("anything.internal", 80, [IPAddress.Parse("10.20.30.40")]));
        Assert.Null(policy.Refusal("localhost", 80, [IPAddress.IPv6Loopback]));
        // A listed name does not open non-public addresses: only a listed network does.
        Assert.Contains("a link-local address", policy.Refusal("storage.example.org", 80, [IPAddress.Parse("169.254.169.254")]));
        Assert.Equal("localhost is not in Worker:AllowedDownloadHosts", policy.Refusal("localhost", 80, [IPAddress.IPv6Loopback, IPAddress.Loopback]));
    }

    [Fact]
    public void A_star_with_a_network_allows_public_hosts_and_that_network()
    {
        var policy = new DownloadAddressPolicy(["*", "127.0.0.1"], Storage);

        Assert.Null(policy.Refusal("storage.example.org", 443, [IPAddress.Parse("93.184.216.34")]));
        Assert.Null(policy.Refusal("127.0.0.1", 9999, [IPAddress.Loopback]));
        Assert.NotNull(policy.Refusal("127.0.0.2", 9999, [IPAddress.Parse("127.0.0.2")]));
        Assert.NotNull(policy.Refusal("169.254.169.254", 80, [IPAddress.Parse("169.254.169.254")]));
    }

    [Fact]
    public async Task Resolution_checks_every_address_of_a_name()
    {
        var policy = new DownloadAddressPolicy([], Storage);

        var refused = await Assert.ThrowsAsync<DownloadRefusedException>(() => policy.ResolveAsync("localhost", 8080, CancellationToken.None));

        Assert.StartsWith("refused to connect to localhost:8080: ", refused.Message);
        Assert.Contains("is a loopback address", refused.Message);
    }

    [Fact]
    public void Download_settings_are_checked_with_precise_messages()
    {
        var options = ValidOptions();
        options.MaxAppBytes = 0;
        options.MaxDatasetBytes = -1;
        options.DownloadIdleTimeout = TimeSpan.Zero;
        options.DownloadTimeout = TimeSpan.FromMilliseconds(500);
        options.AllowedDownloadHosts = ["*", "", "10.0.0.0/33", "http://storage.example.org/", "storage.example.org", "*.example.org", "fd00::/8", "203.0.113.7"];

        var error = Assert.Throws<OptionsValidationException>(() => WorkerOptionsValidator.ThrowIfInvalid(options));

        foreach (var failure in error.Failures)
            output.WriteLine(failure);
        Assert.Equal(
            [
                "Worker:MaxAppBytes must be a positive number of bytes (the largest app module downloaded), was 0.",
                "Worker:MaxDatasetBytes must be a positive number of bytes (the largest dataset downloaded), was -1.",
                "Worker:DownloadIdleTimeout must be between 100 ms and 1 hour, was 00:00:00.",
                "Worker:DownloadTimeout must be between 1 second and 7 days, was 00:00:00.5000000.",
                "Worker:AllowedDownloadHosts:1 is empty: give a host name, an IP address or a network (storage.example.org, *.example.org, 203.0.113.7, 10.0.0.0/8, or * for any host with public addresses).",
                "Worker:AllowedDownloadHosts:2 '10.0.0.0/33' is not a network: give an address and a prefix length (0 to 32 for IPv4, 0 to 128 for IPv6), e.g. 10.0.0.0/8 or fd00::/8.",
                "Worker:AllowedDownloadHosts:3 'http://storage.example.org/' is not a host name, an IP address or a network: give e.g. storage.example.org, *.example.org, 203.0.113.7, 10.0.0.0/8, or * for any host with public addresses.",
            ],
            error.Failures);
    }

    [Fact]
    public void Download_settings_have_their_documented_defaults()
    {
        var options = new WorkerOptions();

        Assert.Equal(256L << 20, options.MaxAppBytes);
        Assert.Equal(4L << 30, options.MaxDatasetBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DownloadIdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.DownloadTimeout);
        Assert.Empty(options.AllowedDownloadHosts);
        WorkerOptionsValidator.ThrowIfInvalid(ValidOptions());
    }

    private static WorkerOptions ValidOptions() => new()
    {
        SchedulerUrl = "http://scheduler:5080/",
        Workerpool = "7",
        PrivateKey = TestKeys.Worker(1),
        StorageUrl = "http://storage:5000/",
        CacheFolder = "/tmp/cache",
        WorkFolder = "/tmp/work",
        ChainId = 31337,
        MarketAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        SchedulerAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    };
}
