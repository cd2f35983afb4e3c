namespace Hearth.Heat;

/// <summary>The kind of building a boiler heats water for; it sets the shape of the draw profile.</summary>
public enum BuildingKind
{
    /// <summary>An apartment block: morning and evening peaks, little at night.</summary>
    Home,

    /// <summary>An office: washrooms and a kitchen during working hours, nothing at night.</summary>
    Office,

    /// <summary>A swimming pool: pool water heated around the clock plus showers during opening hours.</summary>
    SwimmingPool,
}
