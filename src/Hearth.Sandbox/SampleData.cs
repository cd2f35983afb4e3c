using System.Globalization;
using System.Text;

namespace Hearth.Sandbox;

/// <summary>Deterministic sample datasets for the sample apps.</summary>
public static class SampleData
{
    /// <summary>Mass, in GeV, of the resonance the collision sample contains (the Z boson's).</summary>
    public const double ResonanceMassGev = 91.1876;

    private const double ResonanceWidthGev = 2.4952;
    private const double MuonMassGev = 0.1056584;
    private const double SignalFraction = 0.35;
    private const double MinMassGev = 60.0;
    private const double MaxMassGev = 120.0;
    private const double BackgroundSlopeGev = 25.0;

    /// <summary>
    /// Writes <paramref name="count"/> two-muon events as the CSV the collisions app
    /// reads (<c>event,charge,e_gev,px_gev,py_gev,pz_gev</c>, one muon per row): a
    /// Breit-Wigner peak at <see cref="ResonanceMassGev"/> over a falling exponential
    /// background between 60 and 120 GeV, each pair decayed isotropically and boosted
    /// with a random transverse and longitudinal momentum. The same seed gives the same
    /// file on every machine: the generator is written out here and values are printed
    /// with four decimals, far above the last-digit differences of math libraries.
    /// </summary>
    public static async Task GenerateCollisionEventsAsync(ulong seed, int count, string path, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var random = new SplitMix64(seed);
        var text = new StringBuilder("event,charge,e_gev,px_gev,py_gev,pz_gev\n");
        for (var index = 0; index < count; index++)
        {
            var mass = random.NextDouble() < SignalFraction ? SignalMass(random) : BackgroundMass(random);
            var (first, second) = Decay(random, mass);
            Append(text, index, random.NextDouble() < 0.5 ? 1 : -1, first, out var charge);
            Append(text, index, -charge, second, out _);
        }
        await File.WriteAllTextAsync(path, text.ToString(), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
    }

    private static double SignalMass(SplitMix64 random)
    {
        while (true)
        {
            // Inverse CDF of the Cauchy (non-relativistic Breit-Wigner) distribution, kept inside the window.
            var mass = ResonanceMassGev + ResonanceWidthGev / 2 * Math.Tan(Math.PI * (random.NextDouble() - 0.5));
            if (mass is > MinMassGev and < MaxMassGev)
            {
                return mass;
            }
        }
    }

    private static double BackgroundMass(SplitMix64 random)
    {
        // Exponential falling from MinMassGev, truncated at MaxMassGev by inverse CDF.
        var span = 1 - Math.Exp(-(MaxMassGev - MinMassGev) / BackgroundSlopeGev);
        return MinMassGev - BackgroundSlopeGev * Math.Log(1 - random.NextDouble() * span);
    }

    private static ((double E, double Px, double Py, double Pz) A, (double E, double Px, double Py, double Pz) B) Decay(SplitMix64 random, double mass)
    {
        // Back-to-back muons in the rest frame, isotropic.
        var p = Math.Sqrt(mass * mass / 4 - MuonMassGev * MuonMassGev);
        var cosTheta = 2 * random.NextDouble() - 1;
        var sinTheta = Math.Sqrt(1 - cosTheta * cosTheta);
        var phi = 2 * Math.PI * random.NextDouble();
        var (dx, dy, dz) = (p * sinTheta * Math.Cos(phi), p * sinTheta * Math.Sin(phi), p * cosTheta);
        var e = mass / 2;

        // Boost of the pair: transverse momentum up to 30 GeV, longitudinal up to ±100 GeV.
        var pt = 30 * random.NextDouble();
        var direction = 2 * Math.PI * random.NextDouble();
        var (bx, by, bz) = (pt * Math.Cos(direction), pt * Math.Sin(direction), 200 * random.NextDouble() - 100);
        var energy = Math.Sqrt(mass * mass + bx * bx + by * by + bz * bz);
        var (vx, vy, vz) = (bx / energy, by / energy, bz / energy);
        return (Boost(e, dx, dy, dz, vx, vy, vz), Boost(e, -dx, -dy, -dz, vx, vy, vz));
    }

    private static (double E, double Px, double Py, double Pz) Boost(double e, double px, double py, double pz, double vx, double vy, double vz)
    {
        var v2 = vx * vx + vy * vy + vz * vz;
        var gamma = 1 / Math.Sqrt(1 - v2);
        var vp = vx * px + vy * py + vz * pz;
        var k = (gamma - 1) * vp / v2 + gamma * e;
        return (gamma * (e + vp), px + k * vx, py + k * vy, pz + k * vz);
    }

    private static void Append(StringBuilder text, int index, int chargeIn, (double E, double Px, double Py, double Pz) muon, out int charge)
    {
        charge = chargeIn;
        text.Append(CultureInfo.InvariantCulture, $"{index},{charge},{muon.E:F4},{muon.Px:F4},{muon.Py:F4},{muon.Pz:F4}\n");
    }

    /// <summary>SplitMix64: tiny, fast, and the same on every platform, unlike a library generator that may change.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public double NextDouble()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}
