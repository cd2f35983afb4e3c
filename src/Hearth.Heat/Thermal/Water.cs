namespace Hearth.Heat;

/// <summary>Properties of water used by the tank model.</summary>
public static class Water
{
    /// <summary>Specific heat capacity of liquid water, J/(kg·K).</summary>
    public const double HeatCapacityJoulesPerKilogramKelvin = 4186;

    /// <summary>
    /// Mass of one litre, kg. Water at 55 °C is about 1.5 % lighter; the model keeps 1 kg/L so that
    /// litres and kilograms stay interchangeable in the documented figures.
    /// </summary>
    public const double KilogramsPerLitre = 1;

    /// <summary>Heat needed to warm <paramref name="litres"/> of water by one kelvin, J/K.</summary>
    public static double HeatCapacityJoulesPerKelvin(double litres) =>
        litres * KilogramsPerLitre * HeatCapacityJoulesPerKilogramKelvin;
}
