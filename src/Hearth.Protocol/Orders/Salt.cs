using System.Security.Cryptography;

namespace Hearth.Protocol.Orders;

public static class Salt
{
    /// <summary>A random salt: two orders with the same terms still have different hashes.</summary>
    public static byte[] New() => RandomNumberGenerator.GetBytes(32);
}
