namespace Hearth.Heat;

/// <summary>Checks boiler parameters before a model is built, with one precise message per problem.</summary>
public static class BoilerParametersValidator
{
    /// <summary>Every problem found; empty when the parameters are usable.</summary>
    public static IReadOnlyList<string> Validate(BoilerParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = new List<string>();
        var p = parameters;

        Positive(errors, nameof(p.TankLitres), p.TankLitres, "litres");
        NonNegative(errors, nameof(p.LossWattsPerKelvin), p.LossWattsPerKelvin, "W/K");
        NonNegative(errors, nameof(p.IdleWatts), p.IdleWatts, "W");
        Positive(errors, nameof(p.MaxWatts), p.MaxWatts, "W");
        NonNegative(errors, nameof(p.BackupHeaterWatts), p.BackupHeaterWatts, "W");
        Positive(errors, nameof(p.PlanningHorizonSeconds), p.PlanningHorizonSeconds, "s");
        Finite(errors, nameof(p.MinimumCelsius), p.MinimumCelsius);
        Finite(errors, nameof(p.TargetCelsius), p.TargetCelsius);
        Finite(errors, nameof(p.MaximumCelsius), p.MaximumCelsius);
        Finite(errors, nameof(p.RoomCelsius), p.RoomCelsius);
        Finite(errors, nameof(p.ColdInletCelsius), p.ColdInletCelsius);

        if (double.IsFinite(p.IdleWatts) && double.IsFinite(p.MaxWatts) && p.IdleWatts > p.MaxWatts)
        {
            errors.Add($"IdleWatts ({p.IdleWatts} W) must not exceed MaxWatts ({p.MaxWatts} W).");
        }

        if (AllFinite(p.MinimumCelsius, p.TargetCelsius, p.MaximumCelsius))
        {
            if (p.MinimumCelsius >= p.MaximumCelsius)
            {
                errors.Add($"MinimumCelsius ({p.MinimumCelsius} °C) must be below MaximumCelsius ({p.MaximumCelsius} °C).");
            }
            else if (p.TargetCelsius < p.MinimumCelsius || p.TargetCelsius > p.MaximumCelsius)
            {
                errors.Add($"TargetCelsius ({p.TargetCelsius} °C) must lie between MinimumCelsius ({p.MinimumCelsius} °C) and MaximumCelsius ({p.MaximumCelsius} °C).");
            }

            // An unpressurised tank boils at 100 °C, and mains water freezes at 0 °C.
            if (p.MaximumCelsius >= 100)
            {
                errors.Add($"MaximumCelsius ({p.MaximumCelsius} °C) must be below 100 °C.");
            }
        }

        // A tank colder than its room or its inlet would gain heat from them; the model assumes it loses it.
        if (AllFinite(p.ColdInletCelsius, p.MinimumCelsius) && (p.ColdInletCelsius <= 0 || p.ColdInletCelsius >= p.MinimumCelsius))
        {
            errors.Add($"ColdInletCelsius ({p.ColdInletCelsius} °C) must be above 0 °C and below MinimumCelsius ({p.MinimumCelsius} °C).");
        }

        if (AllFinite(p.RoomCelsius, p.MinimumCelsius) && p.RoomCelsius > p.MinimumCelsius)
        {
            errors.Add($"RoomCelsius ({p.RoomCelsius} °C) must not exceed MinimumCelsius ({p.MinimumCelsius} °C).");
        }

        ValidateDraw(errors, p.Draw);

        if (!Enum.IsDefined(p.Overheat))
        {
            errors.Add($"Overheat ({(int)p.Overheat}) is not a known response.");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public static void EnsureValid(BoilerParameters parameters)
    {
        var errors = Validate(parameters);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid boiler parameters: " + string.Join(" ", errors), nameof(parameters));
        }
    }

    private static void ValidateDraw(List<string> errors, DrawProfile? draw)
    {
        if (draw is null)
        {
            errors.Add("Draw must be set (use DrawProfile.None for no hot water use).");
            return;
        }

        if (draw.LitresPerHour.Count != DrawProfile.HoursPerDay)
        {
            errors.Add($"Draw must give {DrawProfile.HoursPerDay} hourly values (has {draw.LitresPerHour.Count}).");
            return;
        }

        for (int hour = 0; hour < DrawProfile.HoursPerDay; hour++)
        {
            double litres = draw.LitresPerHour[hour];
            if (!double.IsFinite(litres) || litres < 0)
            {
                errors.Add($"Draw at hour {hour} must be a finite number of litres ≥ 0 (was {litres}).");
            }
        }
    }

    private static bool AllFinite(params double[] values) => values.All(double.IsFinite);

    private static void Finite(List<string> errors, string name, double value)
    {
        if (!double.IsFinite(value))
        {
            errors.Add($"{name} must be a finite number (was {value}).");
        }
    }

    private static void Positive(List<string> errors, string name, double value, string unit)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            errors.Add($"{name} must be a finite number > 0 {unit} (was {value}).");
        }
    }

    private static void NonNegative(List<string> errors, string name, double value, string unit)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            errors.Add($"{name} must be a finite number ≥ 0 {unit} (was {value}).");
        }
    }
}
