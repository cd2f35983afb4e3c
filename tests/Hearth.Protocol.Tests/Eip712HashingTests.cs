using System.Numerics;
using Hearth.Protocol.Orders;
using Nethereum.ABI.EIP712;
using Nethereum.Signer;
using Nethereum.Signer.EIP712;

namespace Hearth.Protocol.Tests;

/// <summary>Our hand-written EIP-712 hashing must equal a standard implementation's (Nethereum's typed-data signer);
/// the contract's is checked against ours in Hearth.Chain.Tests.</summary>
public sealed class Eip712HashingTests
{
    private static readonly Eip712Domain Domain = new(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static readonly EthECKey Key = new("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    private static Hash32 Standard<T>(T message, string primaryType)
    {
        var typedData = new TypedData<Domain>
        {
            Domain = new Domain { Name = Eip712Domain.Name, Version = Eip712Domain.Version, ChainId = Domain.ChainId, VerifyingContract = Domain.VerifyingContract },
            Types = MemberDescriptionFactory.GetTypesMemberDescription(typeof(Domain), typeof(T)),
            PrimaryType = primaryType,
        };
        return Hash32.Keccak(Eip712TypedDataSigner.Current.EncodeTypedData(message, typedData));
    }

    [Fact]
    public void App_order_hash_matches_the_standard_encoder()
    {
        var order = new AppOrder { App = 7, AppPrice = 100_000_000, Volume = 1000, Tag = Tag(0x03), DatasetRestrict = 2, RequesterRestrict = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", Expiry = 1_900_000_000, Salt = Salt.New() };
        Assert.Equal(Standard(order, "AppOrder"), Domain.Digest(order.StructHash()));
    }

    [Fact]
    public void Dataset_order_hash_matches_the_standard_encoder()
    {
        var order = new DatasetOrder { Dataset = 3, DatasetPrice = 5, Volume = 10, AppRestrict = 7, WorkerpoolRestrict = 1, Salt = Salt.New() };
        Assert.Equal(Standard(order, "DatasetOrder"), Domain.Digest(order.StructHash()));
    }

    [Fact]
    public void Workerpool_order_hash_matches_the_standard_encoder()
    {
        var order = new WorkerpoolOrder { Workerpool = 1, WorkerpoolPrice = BigInteger.Pow(10, 9), Volume = 100, Tag = Tag(0x01), Category = 2, Trust = 100, AppRestrict = 7, Salt = Salt.New() };
        Assert.Equal(Standard(order, "WorkerpoolOrder"), Domain.Digest(order.StructHash()));
    }

    [Fact]
    public void Request_order_hash_matches_the_standard_encoder_including_the_params_string()
    {
        var order = new RequestOrder
        {
            App = 7, AppMaxPrice = 1, Dataset = 3, DatasetMaxPrice = 2, Workerpool = 1, WorkerpoolMaxPrice = 3,
            Requester = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", Volume = 20, Trust = 5, Category = 1,
            Beneficiary = "0x90F79bf6EB2c4f870365E785982E1f101E93b906", Params = "--samples 1000 --seed 42 é", Salt = Salt.New(),
        };
        Assert.Equal(Standard(order, "RequestOrder"), Domain.Digest(order.StructHash()));
    }

    [Fact]
    public void A_signature_recovers_to_the_signer_and_not_for_a_tampered_order()
    {
        var order = new AppOrder { App = 1, AppPrice = 10, Volume = 1, Salt = Salt.New() };
        var signature = Signatures.Sign(order, Domain, Key);
        Assert.Equal(Key.GetPublicAddress(), Signatures.Recover(Domain.Digest(order.StructHash()), signature));

        order.AppPrice = 9;
        Assert.NotEqual(Key.GetPublicAddress(), Signatures.Recover(Domain.Digest(order.StructHash()), signature));
    }

    [Fact]
    public void The_domain_binds_chain_and_contract()
    {
        var order = new AppOrder { App = 1, Volume = 1, Salt = Salt.New() };
        var other = new[] { Domain with { ChainId = 1 }, Domain with { VerifyingContract = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" } };
        foreach (var domain in other)
            Assert.NotEqual(Domain.Digest(order.StructHash()), domain.Digest(order.StructHash()));
    }

    [Fact]
    public void Signatures_are_low_s_and_compact_form_keeps_v()
    {
        for (var i = 0; i < 20; i++)
        {
            var signature = Signatures.Sign(Hash32.Keccak(BitConverter.GetBytes(i)), Key);
            var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
            var halfOrder = BigInteger.Parse("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", System.Globalization.NumberStyles.HexNumber);
            Assert.True(s <= halfOrder);
            var (_, vs) = Signatures.ToCompact(signature);
            Assert.Equal(signature[64] == 28, (vs[0] & 0x80) != 0);
        }
    }

    private static byte[] Tag(byte low)
    {
        var tag = new byte[32];
        tag[31] = low;
        return tag;
    }
}
