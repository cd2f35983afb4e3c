using System.Numerics;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Contracts;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;

namespace Hearth.Chain.Market;

/// <summary>An escrow account. Reputation is not here: it is kept per pool (<see cref="HearthClient.GetScoreAsync"/>).</summary>
public sealed record EscrowAccount(BigInteger Balance, BigInteger Locked, BigInteger Stake, BigInteger Unbonding, long UnbondingReadyAt)
{
    /// <summary>What can back a worker's contributions in one settlement: unbonding stake is still slashable, so it counts.</summary>
    public BigInteger Backing => Stake + Unbonding;
}

[Nethereum.ABI.FunctionEncoding.Attributes.FunctionOutput]
public sealed class AccountOfOutput : Nethereum.ABI.FunctionEncoding.Attributes.IFunctionOutputDTO
{
    [Nethereum.ABI.FunctionEncoding.Attributes.Parameter("uint256", "balance", 1)] public BigInteger Balance { get; set; }
    [Nethereum.ABI.FunctionEncoding.Attributes.Parameter("uint256", "locked", 2)] public BigInteger Locked { get; set; }
    [Nethereum.ABI.FunctionEncoding.Attributes.Parameter("uint256", "staked", 3)] public BigInteger Staked { get; set; }
    [Nethereum.ABI.FunctionEncoding.Attributes.Parameter("uint256", "unbonding", 4)] public BigInteger Unbonding { get; set; }
    [Nethereum.ABI.FunctionEncoding.Attributes.Parameter("uint256", "readyAt", 5)] public BigInteger ReadyAt { get; set; }
}

public sealed record Registration(BigInteger Id, TransactionResult Transaction);

public sealed record MatchResult(Hash32 DealId, Deal Deal, string Params, TransactionResult Transaction);

/// <summary>Four orders and their signatures (an empty signature: pre-signed on chain).</summary>
public sealed record SignedOrders(
    AppOrder App, byte[] AppSignature,
    DatasetOrder Dataset, byte[] DatasetSignature,
    WorkerpoolOrder Workerpool, byte[] WorkerpoolSignature,
    RequestOrder Request, byte[] RequestSignature);

/// <summary>A typed client of the Hearth contracts, sending as one account.</summary>
public sealed class HearthClient
{
    private readonly Contract _market;
    private readonly Contract _token;
    private readonly Contract _apps;
    private readonly Contract _datasets;
    private readonly Contract _pools;

    public HearthClient(TransactionSender sender, HearthDeployment deployment)
    {
        Sender = sender;
        Deployment = deployment;
        var eth = sender.Web3.Eth;
        _market = eth.GetContract(ContractArtifacts.HearthMarket.Abi, deployment.Market);
        _token = eth.GetContract(ContractArtifacts.HearthToken.Abi, deployment.Token);
        _apps = eth.GetContract(ContractArtifacts.AppRegistry.Abi, deployment.Apps);
        _datasets = eth.GetContract(ContractArtifacts.DatasetRegistry.Abi, deployment.Datasets);
        _pools = eth.GetContract(ContractArtifacts.WorkerpoolRegistry.Abi, deployment.Workerpools);
        Domain = new Eip712Domain(deployment.ChainId, deployment.Market);
    }

    public TransactionSender Sender { get; }

    public HearthDeployment Deployment { get; }

    public Eip712Domain Domain { get; }

    public string Address => Sender.Address;

    // ------------------------------------------------------------ assets

    public Task<Registration> RegisterAppAsync(Hash32 checksum, string location, string name, CancellationToken ct = default) =>
        RegisterContentAsync(_apps, "registering the app", checksum, location, name, ct);

    public Task<Registration> RegisterDatasetAsync(Hash32 checksum, string location, string name, CancellationToken ct = default) =>
        RegisterContentAsync(_datasets, "registering the dataset", checksum, location, name, ct);

    /// <summary>Registers a pool. Its policy is fixed for good (a signed pool order names the pool, hence the policy);
    /// only the scheduler's key can be changed later (<see cref="SetSchedulerAsync"/>).</summary>
    /// <param name="acceptsCallbacks">Whether requests with a callback contract may be matched with this pool: each
    /// settlement then calls the requester's contract, with gas the scheduler pays.</param>
    public async Task<Registration> RegisterWorkerpoolAsync(string scheduler, byte workerStakePercent, byte schedulerSharePercent, string apiUrl, string name, bool acceptsCallbacks = false, CancellationToken ct = default)
    {
        var tx = await SendAsync(_pools, "register", "registering the workerpool", ct, scheduler, workerStakePercent, schedulerSharePercent, acceptsCallbacks, apiUrl, name);
        var registered = _pools.GetEvent<WorkerpoolRegisteredEvent>().DecodeAllEventsForEvent(tx.Receipt.Logs).Single();
        return new Registration(registered.Event.Id, tx);
    }

    /// <summary>Rotates the pool's scheduler key; deals already matched keep the scheduler they were made with.</summary>
    public Task<TransactionResult> SetSchedulerAsync(BigInteger workerpool, string scheduler, CancellationToken ct = default) =>
        SendAsync(_pools, "setScheduler", "changing the pool's scheduler", ct, workerpool, scheduler);

    /// <summary>The pool's owner and policy, as matchOrders reads them.</summary>
    public async Task<WorkerpoolPolicy> GetWorkerpoolPolicyAsync(BigInteger workerpool, CancellationToken ct = default)
    {
        var f = _pools.GetFunction("poolInfo");
        var raw = await Sender.CallAsync(_pools.Address, f.GetData(workerpool), "reading the workerpool's policy", ct);
        var info = f.DecodeDTOTypeOutput<PoolInfoOutput>(raw);
        var p = info.Policy;
        return new WorkerpoolPolicy(info.Owner, p.Scheduler, p.WorkerStakePercent, p.SchedulerSharePercent, p.AcceptsCallbacks);
    }

    private async Task<Registration> RegisterContentAsync(Contract registry, string what, Hash32 checksum, string location, string name, CancellationToken ct)
    {
        var tx = await SendAsync(registry, "register", what, ct, checksum.ToArray(), location, name);
        var registered = registry.GetEvent<ContentRegisteredEvent>().DecodeAllEventsForEvent(tx.Receipt.Logs).Single();
        return new Registration(registered.Event.Id, tx);
    }

    public Task<TransactionResult> TransferAssetAsync(OrderKind kind, BigInteger id, string to, CancellationToken ct = default) =>
        SendAsync(Registry(kind), "transferFrom", "transferring the asset", ct, Address, to, id);

    public async Task<string> OwnerOfAsync(OrderKind kind, BigInteger id, CancellationToken ct = default) =>
        await CallAsync<string>(Registry(kind), "ownerOf", "reading the asset's owner", ct, id);

    public async Task<Hash32> ChecksumOfAsync(OrderKind kind, BigInteger id, CancellationToken ct = default) =>
        new(await CallAsync<byte[]>(Registry(kind), "checksumOf", "reading the asset's checksum", ct, id));

    /// <summary>How many assets of this kind were ever registered (ids run from 1 to this).</summary>
    public Task<BigInteger> CountAsync(OrderKind kind, CancellationToken ct = default) =>
        CallAsync<BigInteger>(Registry(kind), "count", "counting the registered assets", ct);

    private Contract Registry(OrderKind kind) => kind switch
    {
        OrderKind.App => _apps,
        OrderKind.Dataset => _datasets,
        OrderKind.Workerpool => _pools,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), "requests are not assets"),
    };

    // ------------------------------------------------------------ token and escrow

    public Task<TransactionResult> MintAsync(string to, BigInteger amount, CancellationToken ct = default) =>
        SendAsync(_token, "mint", "minting test tokens", ct, to, amount);

    public Task<BigInteger> TokenBalanceAsync(string account, CancellationToken ct = default) =>
        CallAsync<BigInteger>(_token, "balanceOf", "reading the token balance", ct, account);

    /// <summary>Approves the market for <paramref name="amount"/>, then deposits it into this account's escrow.</summary>
    public async Task<TransactionResult> DepositAsync(BigInteger amount, CancellationToken ct = default)
    {
        await SendAsync(_token, "approve", "approving the deposit", ct, Deployment.Market, amount);
        return await SendAsync(_market, "deposit", "depositing", ct, amount);
    }

    public Task<TransactionResult> WithdrawAsync(BigInteger amount, CancellationToken ct = default) =>
        SendAsync(_market, "withdraw", "withdrawing", ct, amount);

    public Task<TransactionResult> StakeAsync(BigInteger amount, CancellationToken ct = default) =>
        SendAsync(_market, "stake", "staking", ct, amount);

    public Task<TransactionResult> RequestUnstakeAsync(BigInteger amount, CancellationToken ct = default) =>
        SendAsync(_market, "requestUnstake", "unstaking", ct, amount);

    public async Task<EscrowAccount> GetAccountAsync(string account, CancellationToken ct = default)
    {
        var f = _market.GetFunction("accountOf");
        var raw = await Sender.CallAsync(Deployment.Market, f.GetData(account), "reading the escrow account", ct);
        var a = f.DecodeDTOTypeOutput<AccountOfOutput>(raw);
        return new EscrowAccount(a.Balance, a.Locked, a.Staked, a.Unbonding, (long)a.ReadyAt);
    }

    /// <summary>The worker's reputation in one pool (a score earned elsewhere weighs nothing there).</summary>
    public async Task<long> GetScoreAsync(string worker, BigInteger workerpool, CancellationToken ct = default)
    {
        var score = await CallAsync<BigInteger>(_market, "scoreOf", "reading the worker's score", ct, worker, workerpool);
        // Scores grow by one per agreeing contribution: far below long's range, but the contract's type is uint256.
        return score > long.MaxValue ? long.MaxValue : (long)score;
    }

    /// <summary>Funds seized from slashed workers and from pools on failed tasks; nobody can withdraw them.</summary>
    public Task<BigInteger> GetSeizedAsync(CancellationToken ct = default) =>
        CallAsync<BigInteger>(_market, "seized", "reading the seized funds", ct);

    /// <summary>The least stake a worker puts behind each contribution on this market.</summary>
    public Task<BigInteger> MinWorkerStakeAsync(CancellationToken ct = default) =>
        CallAsync<BigInteger>(_market, "minWorkerStake", "reading the minimum worker stake", ct);

    // ------------------------------------------------------------ orders and deals

    public async Task<MatchResult> MatchOrdersAsync(SignedOrders o, CancellationToken ct = default)
    {
        var tx = await SendAsync(_market, "matchOrders", "matching the orders", ct,
            o.App, o.AppSignature, o.Dataset, o.DatasetSignature, o.Workerpool, o.WorkerpoolSignature, o.Request, o.RequestSignature);
        var created = _market.GetEvent<DealCreatedEvent>().DecodeAllEventsForEvent(tx.Receipt.Logs).Single().Event;
        return new MatchResult(new Hash32(created.DealId), created.Deal, created.Params, tx);
    }

    public Task<TransactionResult> SettleAsync(Deal deal, Hash32 dealId, IReadOnlyList<Contribution> contributions, string location, CancellationToken ct = default)
    {
        var bound = SettleGasBound(deal, contributions, location);
        return Sender.SendAsync(_market.Address, _market.GetFunction("settle").GetData(deal, dealId.ToArray(), contributions.ToList(), location),
            $"settling {contributions.Count} contributions of deal {dealId}", ct, gasLimit: bound <= MaxSettleGasBound ? bound : null);
    }

    /// <summary>Settles lone results of a deal of trust 1 or 2 as runs of the workers' result chains, one signature a run.</summary>
    public Task<TransactionResult> SettleRunsAsync(Deal deal, Hash32 dealId, IReadOnlyList<ResultRun> runs, string location, CancellationToken ct = default)
    {
        var tasks = runs.Sum(r => r.Results.Count);
        var bound = SettleGasBound(deal, runs.Count, tasks, location);
        return Sender.SendAsync(_market.Address, _market.GetFunction("settleRuns").GetData(deal, dealId.ToArray(), runs.ToList(), location),
            $"settling {tasks} results of deal {dealId} in {runs.Count} run(s)", ct, gasLimit: bound <= MaxSettleGasBound ? bound : null);
    }

    /// <summary>
    /// Largest bound sent as a gas limit: half of a common 30M block gas limit. A bigger batch (a pool configured for
    /// hundreds of tasks per settlement) is estimated instead, so its limit never exceeds what a block holds.
    /// </summary>
    public const long MaxSettleGasBound = 15_000_000;

    /// <summary>
    /// More gas than a settlement can use, so a batch is checked with one call instead of estimated: a node estimates by
    /// running the call a dozen times or more, each recovering every contribution's signature. Worst cases counted: every
    /// payee's balance and every worker's score written for the first time, each task's done-bit in a fresh word, and a
    /// callback's gas per task.
    /// </summary>
    public static long SettleGasBound(Deal deal, IReadOnlyList<Contribution> contributions, string location) =>
        SettleGasBound(deal, contributions.Count, contributions.Select(c => c.Task).Distinct().LongCount(), location);

    /// <summary>The same bound for <paramref name="signatures"/> signatures (contributions or runs) over <paramref name="tasks"/> tasks.</summary>
    public static long SettleGasBound(Deal deal, long signatures, long tasks, string location)
    {
        var perTask = 25_000L + (deal.Callback == Addresses.Zero ? 0 : 120_000);
        return 150_000 + 50_000L * signatures + perTask * tasks + 40L * System.Text.Encoding.UTF8.GetByteCount(location);
    }

    public Task<TransactionResult> ClaimAsync(Deal deal, Hash32 dealId, IReadOnlyList<long> tasks, CancellationToken ct = default) =>
        SendAsync(_market, "claim", $"claiming a refund of {tasks.Count} tasks of deal {dealId}", ct, deal, dealId.ToArray(), tasks.Select(t => new BigInteger(t)).ToList());

    public Task<TransactionResult> PresignAsync(IOrder order, CancellationToken ct = default) =>
        SendAsync(_market, $"presign{order.Kind}Order", $"pre-signing the {order.Kind} order", ct, order);

    public Task<TransactionResult> CancelAsync(IOrder order, CancellationToken ct = default) =>
        SendAsync(_market, $"cancel{order.Kind}Order", $"cancelling the {order.Kind} order", ct, order);

    /// <summary>The order's EIP-712 digest as the contract computes it.</summary>
    public async Task<Hash32> HashOnChainAsync(IOrder order, CancellationToken ct = default) =>
        new(await CallAsync<byte[]>(_market, $"hash{order.Kind}Order", "hashing the order", ct, order));

    public async Task<Hash32> HashContributionOnChainAsync(Hash32 taskId, Hash32 digest, CancellationToken ct = default) =>
        new(await CallAsync<byte[]>(_market, "hashContribution", "hashing the contribution", ct, taskId.ToArray(), digest.ToArray()));

    public async Task<Hash32> HashResultChainOnChainAsync(Hash32 dealId, Hash32 head, CancellationToken ct = default) =>
        new(await CallAsync<byte[]>(_market, "hashResultChain", "hashing the result chain head", ct, dealId.ToArray(), head.ToArray()));

    public async Task<Hash32> TaskIdOnChainAsync(Hash32 dealId, long index, CancellationToken ct = default) =>
        new(await CallAsync<byte[]>(_market, "taskId", "computing the task id", ct, dealId.ToArray(), new BigInteger(index)));

    public Task<bool> IsTaskDoneAsync(Hash32 dealId, long index, CancellationToken ct = default) =>
        CallAsync<bool>(_market, "isTaskDone", "reading the task's state", ct, dealId.ToArray(), new BigInteger(index));

    /// <summary>What is left of an app, dataset or workerpool order.</summary>
    public Task<BigInteger> RemainingAsync(Hash32 orderDigest, BigInteger volume, CancellationToken ct = default) =>
        CallAsync<BigInteger>(_market, "remaining", "reading the order's remaining volume", ct, orderDigest.ToArray(), volume);

    /// <summary>What is left of a request order: a request may go into several deals, and is cancelled or used up as a whole.</summary>
    public Task<BigInteger> RemainingRequestAsync(Hash32 requestDigest, BigInteger volume, CancellationToken ct = default) =>
        CallAsync<BigInteger>(_market, "remainingRequest", "reading the request's remaining volume", ct, requestDigest.ToArray(), volume);

    public Task<BigInteger> CategoryTimeAsync(long category, CancellationToken ct = default) =>
        CallAsync<BigInteger>(_market, "categoryTime", "reading the category", ct, new BigInteger(category));

    public async Task<IReadOnlyList<DealCreatedEvent>> DealsCreatedAsync(BlockParameter from, BlockParameter to, BigInteger? workerpool = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var ev = _market.GetEvent<DealCreatedEvent>();
        var filter = workerpool is null ? ev.CreateFilterInput(from, to) : ev.CreateFilterInput<object, BigInteger>(null!, workerpool.Value, from, to);
        var logs = await ev.GetAllChangesAsync(filter);
        return logs.Select(l => l.Event).ToList();
    }

    public Task<IReadOnlyList<TaskSettledEvent>> TasksSettledAsync(Hash32 dealId, CancellationToken ct = default) =>
        EventsOfDealAsync<TaskSettledEvent>(dealId, Deployment.Block, null, ct);

    /// <summary>Tasks of the deal settled in blocks <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public Task<IReadOnlyList<TaskSettledEvent>> TasksSettledAsync(Hash32 dealId, long from, long to, CancellationToken ct = default) =>
        EventsOfDealAsync<TaskSettledEvent>(dealId, from, to, ct);

    /// <summary>Tasks of the deal refunded in blocks <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public Task<IReadOnlyList<TaskRefundedEvent>> TasksRefundedAsync(Hash32 dealId, long from, long to, CancellationToken ct = default) =>
        EventsOfDealAsync<TaskRefundedEvent>(dealId, from, to, ct);

    /// <summary>The number of the newest block.</summary>
    public async Task<long> BlockNumberAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return (long)(await Sender.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
        }
        catch (Nethereum.JsonRpc.Client.RpcClientUnknownException e)
        {
            throw new ChainUnreachableException($"reading the block number: the chain's JSON-RPC endpoint does not answer ({e.InnerException?.Message ?? e.Message})", e);
        }
    }

    /// <summary>The deal's terms as emitted when it was matched, or null when no such deal exists.</summary>
    public async Task<DealCreatedEvent?> FindDealAsync(Hash32 dealId, CancellationToken ct = default) =>
        (await EventsOfDealAsync<DealCreatedEvent>(dealId, Deployment.Block, null, ct)).SingleOrDefault();

    public Task<IReadOnlyList<TaskRefundedEvent>> TasksRefundedAsync(Hash32 dealId, CancellationToken ct = default) =>
        EventsOfDealAsync<TaskRefundedEvent>(dealId, Deployment.Block, null, ct);

    public Task<IReadOnlyList<ResultsStoredEvent>> ResultsStoredAsync(Hash32 dealId, CancellationToken ct = default) =>
        EventsOfDealAsync<ResultsStoredEvent>(dealId, Deployment.Block, null, ct);

    /// <summary>The most blocks one eth_getLogs of this client spans by default: providers refuse wider ranges.</summary>
    public const long MaxLogRange = 10_000;

    /// <summary>The most blocks one eth_getLogs of this client spans (a provider with a lower cap needs less).</summary>
    public long LogRange { get; init; } = MaxLogRange;

    /// <summary>
    /// Events of the market whose first indexed topic is the deal id, in blocks <paramref name="from"/> to
    /// <paramref name="to"/> (null: the newest), read in ranges of at most <see cref="LogRange"/> blocks.
    /// </summary>
    private async Task<IReadOnlyList<T>> EventsOfDealAsync<T>(Hash32 dealId, long from, long? to, CancellationToken ct) where T : Nethereum.ABI.FunctionEncoding.Attributes.IEventDTO, new()
    {
        var last = to ?? await BlockNumberAsync(ct);
        var ev = _market.GetEvent<T>();
        var found = new List<T>();
        for (var start = from; start <= last; start += LogRange)
        {
            ct.ThrowIfCancellationRequested();
            var filter = ev.CreateFilterInput(new BlockParameter((ulong)start), new BlockParameter((ulong)Math.Min(last, start + LogRange - 1)));
            filter.Topics = [filter.Topics[0], dealId.ToString()];
            try
            {
                found.AddRange((await ev.GetAllChangesAsync(filter)).Select(l => l.Event));
            }
            catch (Nethereum.JsonRpc.Client.RpcClientUnknownException e)
            {
                throw new ChainUnreachableException($"reading the deal's events: the chain's JSON-RPC endpoint does not answer ({e.InnerException?.Message ?? e.Message})", e);
            }
        }
        return found;
    }

    public Contract MarketContract => _market;

    // ------------------------------------------------------------ plumbing

    private Task<TransactionResult> SendAsync(Contract contract, string function, string what, CancellationToken ct, params object[] args) =>
        Sender.SendAsync(contract.Address, contract.GetFunction(function).GetData(args), what, ct);

    private async Task<T> CallAsync<T>(Contract contract, string function, string what, CancellationToken ct, params object[] args)
    {
        var f = contract.GetFunction(function);
        var raw = await Sender.CallAsync(contract.Address, f.GetData(args), what, ct);
        return f.DecodeTypeOutput<T>(raw);
    }
}
