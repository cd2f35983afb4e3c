using System.IO.Pipes;
using Hearth.Sandbox.ChildProcess;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// The runner's side of the host protocol, against a fake host on two pipes: whatever the host
/// answers that is not the protocol loses the channel and ends the run without an outcome (the
/// runner reports HostFailed), and never ends the runner's process.
/// </summary>
public sealed class HostChannelTests : IDisposable
{
    private readonly AnonymousPipeServerStream _toHost = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _hostInput;
    private readonly AnonymousPipeServerStream _hostOutput = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _fromHost;
    private readonly string _folder = Directory.CreateTempSubdirectory("hearth-channel-tests-").FullName;
    private int _lost;

    public HostChannelTests()
    {
        _hostInput = new AnonymousPipeClientStream(PipeDirection.In, _toHost.ClientSafePipeHandle);
        _fromHost = new AnonymousPipeClientStream(PipeDirection.In, _hostOutput.ClientSafePipeHandle);
    }

    [Fact]
    public async Task A_message_of_unknown_type_loses_the_channel()
    {
        var channel = await ReadyChannelAsync();

        var ending = channel.RunAsync(NewRun());
        Assert.Equal(HostMessageType.Run, HostFrame.Read(_hostInput)?.Type);
        HostSays([1, 0, 0, 0, 99]);

        Assert.Null(await ending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.StartsWith("the sandbox host broke the host protocol (unknown message type 99)", channel.Lost);
        Assert.Equal(1, _lost);
    }

    [Fact]
    public async Task An_outcome_that_cannot_be_read_loses_the_channel()
    {
        var channel = await ReadyChannelAsync();

        var ending = channel.RunAsync(NewRun());
        HostFrame.Read(_hostInput);
        // A failure kind, then a reason whose length prefix never ends.
        HostSays(HostFrame.Encode(HostMessageType.Finished, writer =>
        {
            writer.Write(0);
            writer.Write(true);
            writer.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        }));

        Assert.Null(await ending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.StartsWith("the sandbox host broke the host protocol", channel.Lost);
    }

    [Fact]
    public async Task A_run_after_the_host_is_gone_ends_at_once()
    {
        var channel = await ReadyChannelAsync();
        _hostOutput.Dispose();
        await WaitUntilAsync(() => channel.Lost is not null);

        var outcome = await channel.RunAsync(NewRun()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(outcome);
        Assert.Equal("the sandbox host process exited unexpectedly", channel.Lost);
    }

    private async Task<HostChannel> ReadyChannelAsync()
    {
        var channel = new HostChannel(_toHost, _fromHost, onLost: () => Interlocked.Increment(ref _lost));
        channel.StartReading();
        HostSays(HostMessages.Ready());
        Assert.Equal(HostMessageType.Ready, (await channel.FirstMessage.WaitAsync(TimeSpan.FromSeconds(10)))?.Type);
        return channel;
    }

    private HostRun NewRun()
    {
        var guard = new RunGuard(TimeProvider.System, SandboxFixture.Limits(), _folder, _folder, TimeSpan.FromSeconds(1), CancellationToken.None);
        var invocation = new ModuleInvocation([0, 97, 115, 109], "sha", "app", [], [], _folder, _folder, _folder, [], 1 << 20, null, 1024);
        return new HostRun(invocation, guard, new ConsoleCapture(1024, guard.OnConsoleWritten), new ConsoleCapture(1024, guard.OnConsoleWritten), withModule: true);
    }

    private void HostSays(byte[] bytes)
    {
        _hostOutput.Write(bytes);
        _hostOutput.Flush();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 200 && !condition(); attempt++)
        {
            await Task.Delay(25);
        }
    }

    public void Dispose()
    {
        _toHost.Dispose();
        _hostInput.Dispose();
        _hostOutput.Dispose();
        _fromHost.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
