using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Hosting;
using Hearth.Storage;
using Hearth.Storage.Http;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A contribution signed with the high-s twin of a valid signature recovers the same worker off chain, but its compact
/// form (r, vs) recovers another address on chain: the batch would revert, be split, and the task fail while the
/// saboteur is never slashed. The scheduler refuses it where it arrives, with a reason the worker can act on.
/// </summary>
public sealed class MalleableSignatureTests : IAsyncLifetime
{
    private static readonly BigInteger Order =
        BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private TestNetwork _net = null!;
    private SchedulerServerHandle _server = null!;
    private StorageServerHandle _storage = null!;

    public async Task InitializeAsync()
    {
        _net = await TestNetwork.StartAsync(workers: 1);
        _storage = await StorageServer.StartAsync(new StorageOptions { RootPath = _net.Dir.File("results") });
        _server = await _net.StartSchedulerAsync(_net.Options(o => o.ResultStorageUrl = _storage.BaseUrl.AbsoluteUri));
    }

    public async Task DisposeAsync()
    {
        await _net.DisposeAsync();
        await _storage.DisposeAsync();
    }

    /// <summary>The same signature with s' = n − s and the recovery byte flipped: valid for ecrecover without the low-s rule.</summary>
    private static string HighSTwin(string signatureHex)
    {
        var bytes = Convert.FromHexString(signatureHex.AsSpan(2));
        var s = new BigInteger(bytes.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var twin = (Order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        Array.Clear(bytes, 32, 32);
        twin.CopyTo(bytes, 64 - twin.Length);
        bytes[64] = (byte)(bytes[64] == 27 ? 28 : 27);
        return "0x" + Convert.ToHexStringLower(bytes);
    }

    [Fact]
    public async Task A_high_s_contribution_is_refused_and_the_low_s_one_then_counts()
    {
        using var worker = await new TestWorker(_server.BaseUrl, _net.WorkerKey(0), _net.Pool.ToString(), _net.Requester.Domain).LoginAsync(slots: 1);
        await _net.MatchAsync(volume: 1, trust: 1);
        Assignment? assignment = null;
        while (assignment is null)
        {
            var (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest(null, null, 1), waitSeconds: 10);
            Assert.True(status == HttpStatusCode.OK, body);
            assignment = answer!.Assignments.FirstOrDefault();
        }
        var bytes = Encoding.UTF8.GetBytes("result of " + assignment.TaskId);
        await _storage.Store.PutAsync(new MemoryStream(bytes));
        var honest = worker.Contribution(assignment, Hash32.Sha256(bytes));
        var twin = honest with { Report = honest.Report with { Signature = HighSTwin(honest.Report.Signature) } };

        var (s1, a1, b1) = await worker.ExchangeAsync(new ExchangeRequest([twin], null, 0));
        Assert.True(s1 == HttpStatusCode.OK, b1);
        Assert.Equal(400, a1!.Outcomes.Single().Status);
        Assert.Contains("upper half of the curve order", a1.Outcomes.Single().Error);

        var (s2, a2, b2) = await worker.ExchangeAsync(new ExchangeRequest([honest], null, 0));
        Assert.True(s2 == HttpStatusCode.OK, b2);
        Assert.Equal(200, a2!.Outcomes.Single().Status);
    }
}
