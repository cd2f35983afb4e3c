using System.Text.Json;
using Hearth.Cli.Bench;

namespace Hearth.EndToEnd.Tests;

/// <summary>`hearth bench attacks` against a live local network: every attack is played and none gets through.</summary>
public sealed class AttackCampaignTests
{
    [Fact]
    public async Task Every_attack_of_the_campaign_is_refused()
    {
        var output = new StringWriter();
        var code = await AttackCampaign.RunAsync(output, null, CancellationToken.None);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(AttackCampaign.All.Count, lines.Length);
        foreach (var line in lines)
        {
            var outcome = JsonSerializer.Deserialize<AttackOutcome>(line)!;
            Assert.True(outcome.Pass, line);
            Assert.False(string.IsNullOrWhiteSpace(outcome.Observed), line);
        }
        Assert.Equal(0, code);
    }
}
