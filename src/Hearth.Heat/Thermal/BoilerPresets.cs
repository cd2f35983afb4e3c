namespace Hearth.Heat;

/// <summary>Boilers sized after public figures (docs/heat.md gives the sources).</summary>
public static class BoilerPresets
{
    /// <summary>
    /// A Stimergy-sized digital boiler: about 7.5 kW of servers (six of them, 45 kW, heat a Paris pool),
    /// on a 2,000-litre preheating tank.
    /// </summary>
    public static BoilerParameters Stimergy(DrawProfile draw) => new()
    {
        TankLitres = 2000,
        LossWattsPerKelvin = 6,
        IdleWatts = 1500,
        MaxWatts = 7500,
        BackupHeaterWatts = 18000,
        Draw = draw,
    };

    /// <summary>
    /// A Qarnot-sized boiler: two computing units delivering about 4 kW of 60 °C water, on a 1,000-litre tank.
    /// </summary>
    public static BoilerParameters Qarnot(DrawProfile draw) => new()
    {
        TankLitres = 1000,
        LossWattsPerKelvin = 4,
        IdleWatts = 800,
        MaxWatts = 4000,
        BackupHeaterWatts = 9000,
        MaximumCelsius = 60,
        Draw = draw,
    };
}
