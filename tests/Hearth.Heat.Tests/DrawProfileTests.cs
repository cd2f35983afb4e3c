namespace Hearth.Heat.Tests;

public class DrawProfileTests
{
    [Theory]
    [InlineData(BuildingKind.Home, 2400)]
    [InlineData(BuildingKind.Office, 600)]
    [InlineData(BuildingKind.SwimmingPool, 2800)]
    public void A_profile_draws_its_daily_volume_whatever_the_step(BuildingKind kind, double dailyLitres)
    {
        var profile = DrawProfiles.For(kind, dailyLitres);

        Assert.Equal(dailyLitres, profile.DailyLitres, 9);
        Assert.Equal(dailyLitres, profile.LitresBetween(Build.Midnight, 86_400), 9);
        Assert.Equal(dailyLitres, SumInSteps(profile, Build.Midnight, 60), 6);
        Assert.Equal(dailyLitres, SumInSteps(profile, Build.Midnight.AddSeconds(1234), 7), 6);
    }

    [Fact]
    public void A_boiler_draws_the_profiles_daily_volume()
    {
        var model = new BoilerModel(Build.Boiler(BuildingKind.Home, 2400), Build.Midnight);

        for (int step = 0; step < 24 * 60; step++)
        {
            model.Step(60, 0.5);
        }

        Assert.Equal(2400, model.Totals.DrawnLitres, 6);
    }

    [Fact]
    public void Homes_peak_in_the_morning_and_the_evening()
    {
        var home = DrawProfiles.Shape(BuildingKind.Home);

        Assert.True(home[7] > 2 * home[14]);
        Assert.True(home[20] > 2 * home[14]);
        Assert.True(home[3] < home[14]);
        Assert.Equal(1, home.Sum(), 12);
    }

    [Fact]
    public void Offices_draw_nothing_at_night_and_pools_draw_around_the_clock()
    {
        var office = DrawProfiles.Shape(BuildingKind.Office);
        var pool = DrawProfiles.Shape(BuildingKind.SwimmingPool);

        Assert.Equal(0, office[2]);
        Assert.Equal(0, office[23]);
        Assert.True(office[12] > 0);
        Assert.All(pool, share => Assert.True(share > 0));
    }

    [Fact]
    public void The_hour_is_read_on_the_timestamps_own_clock()
    {
        var profile = DrawProfiles.For(BuildingKind.Office, 600);
        var noonInParis = new DateTimeOffset(2025, 1, 15, 12, 0, 0, TimeSpan.FromHours(1));

        Assert.Equal(profile.LitresPerHour[12], profile.LitresBetween(noonInParis, 3600), 9);
    }

    [Fact]
    public void Negative_or_infinite_intervals_are_rejected()
    {
        var profile = DrawProfiles.For(BuildingKind.Home, 2400);

        Assert.Throws<ArgumentOutOfRangeException>(() => profile.LitresBetween(Build.Midnight, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => profile.LitresBetween(Build.Midnight, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => DrawProfiles.For(BuildingKind.Home, double.NaN));
    }

    private static double SumInSteps(DrawProfile profile, DateTimeOffset start, double stepSeconds)
    {
        double litres = 0;
        double elapsed = 0;
        while (elapsed < 86_400)
        {
            double seconds = Math.Min(stepSeconds, 86_400 - elapsed);
            litres += profile.LitresBetween(start.AddSeconds(elapsed), seconds);
            elapsed += seconds;
        }

        return litres;
    }
}
