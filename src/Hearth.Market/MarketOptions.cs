using Hearth.Chain.Market;

namespace Hearth.Market;

/// <summary>Settings of the order book service (section <c>Market</c>).</summary>
public sealed class MarketOptions
{
    public const string SectionName = "Market";

    /// <summary>The chain's JSON-RPC endpoint, e.g. <c>http://127.0.0.1:8545</c>.</summary>
    public string RpcUrl { get; set; } = "";

    /// <summary>The market's contracts and chain id: the EIP-712 domain every order must be signed for.</summary>
    public HearthDeployment? Deployment { get; set; }

    /// <summary>The SQLite file of the book, used when <see cref="PostgresConnectionString"/> is not set. No default: a
    /// shared temporary folder would let any local user replace or read the book.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>When set, the book lives in PostgreSQL instead of SQLite (same schema, same code path).</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>The largest request body accepted, in bytes; an order is well under 4 KiB unless its params are long.</summary>
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How often the chain is polled for deals and cancellations (200 ms suits a dev chain; a few seconds a real one).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Blocks a log must be buried under before the book acts on it (0 on a dev chain).</summary>
    public int Confirmations { get; set; }

    /// <summary>The widest block range of one eth_getLogs call, so catching up after downtime stays within node limits.</summary>
    public int MaxBlockRange { get; set; } = 2_000;

    /// <summary>The largest page a query may ask for.</summary>
    public int MaxPageSize { get; set; } = 200;

    /// <summary>Publications a client may make at once (a client: its IP address, an IPv6 one by its /64); then
    /// <see cref="PublishPerSecond"/>. Past it the book answers 429 with Retry-After, before any chain read.</summary>
    public int PublishBurst { get; set; } = 20;

    /// <summary>Publications per second a client's allowance grows by, up to <see cref="PublishBurst"/>.</summary>
    public int PublishPerSecond { get; set; } = 2;

    /// <summary>Gas given to an ERC-1271 wallet's isValidSignature (an eth_call into code the publisher chose).</summary>
    public long Erc1271GasLimit { get; set; } = 200_000;

    /// <summary>Open request orders one requester may have in the book.</summary>
    public int MaxOpenRequestsPerRequester { get; set; } = 100;

    /// <summary>The least free escrow balance a requester must hold to list a request, whatever its prices (in the token's
    /// smallest unit); the balance must also cover one task at the request's maximum prices. 1 keeps unfunded keys out.</summary>
    public long MinRequesterBalance { get; set; } = 1;

    /// <summary>The loopback port of <see cref="Http.MarketServer"/>; 0 picks a free one.</summary>
    public int ListenPort { get; set; }

    internal void CopyTo(MarketOptions other)
    {
        other.RpcUrl = RpcUrl;
        other.Deployment = Deployment;
        other.DatabasePath = DatabasePath;
        other.PostgresConnectionString = PostgresConnectionString;
        other.MaxBodyBytes = MaxBodyBytes;
        other.PollInterval = PollInterval;
        other.Confirmations = Confirmations;
        other.MaxBlockRange = MaxBlockRange;
        other.MaxPageSize = MaxPageSize;
        other.ListenPort = ListenPort;
        other.PublishBurst = PublishBurst;
        other.PublishPerSecond = PublishPerSecond;
        other.Erc1271GasLimit = Erc1271GasLimit;
        other.MaxOpenRequestsPerRequester = MaxOpenRequestsPerRequester;
        other.MinRequesterBalance = MinRequesterBalance;
    }
}
