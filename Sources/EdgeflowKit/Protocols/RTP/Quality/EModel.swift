import Foundation

/// ITU-T G.107 (06/2015) E-model, narrowband: the transmission rating R of a connection whose
/// only known impairments are its one-way delay, its codec and its packet loss; every other
/// parameter keeps G.107's default value (Table 3), which alone gives R = 93.2.
public enum EModel {
    /// A codec's equipment impairment factor Ie (ITU-T G.113 Appendix I, Table I.1) and
    /// packet-loss robustness factor Bpl (Table I.3).
    public struct Codec: Sendable, Equatable {
        public var ie: Double
        public var bpl: Double
    }

    /// G.711 with the packet loss concealment of its Appendix I (Ie 0, Bpl 25.1): every Lync /
    /// Skype for Business client and current gateway conceals lost packets.
    public static let g711 = Codec(ie: 0, bpl: 25.1)
    /// G.729A with VAD (Ie 11, Bpl 19.0), the G.729 row of Table I.3.
    public static let g729 = Codec(ie: 11, bpl: 19.0)

    // G.107 Table 3 defaults.
    static let slr = 8.0, rlr = 2.0, stmr = 15.0, lstr = 18.0, ds = 3.0, telr = 65.0, wepl = 110.0
    static let qdu = 1.0, nc = -70.0, nfor = -64.0, ps = 35.0, pr = 35.0, advantage = 0.0

    /// Circuit noise No, basic signal-to-noise ratio Ro, and the delay-independent parts of the
    /// simultaneous impairment Is: Iolr and Iq.
    static let (no, ro, iolr, iq): (Double, Double, Double, Double) = {
        let olr = slr + rlr
        let nos = ps - slr - ds - 100 + 0.004 * pow(ps - olr - ds - 14, 2)
        let pre = pr + 10 * log10(1 + pow(10, (10 - lstr) / 10))
        let nor = rlr - 121 + pre + 0.008 * pow(pre - 35, 2)
        let nfo = nfor + rlr
        let no = 10 * log10(pow(10, nc / 10) + pow(10, nos / 10) + pow(10, nor / 10) + pow(10, nfo / 10))
        let ro = 15 - 1.5 * (slr + no)
        let xolr = olr + 0.2 * (64 + no - rlr)
        let iolr = 20 * (pow(1 + pow(xolr / 8, 8), 1.0 / 8) - xolr / 8)
        let q = 37 - 15 * log10(qdu)
        let g = 1.07 + 0.258 * q + 0.0602 * q * q
        let y = (ro - 100) / 15 + 46 / 8.4 - g / 9
        let z = 46 / 30.0 - g / 40
        let iq = 15 * log10(1 + pow(10, y) + pow(10, z))
        return (no, ro, iolr, iq)
    }()

    /// Simultaneous impairment Is = Iolr + Ist + Iq for a mouth-to-ear delay `t` ms (Ist's
    /// STMRo includes the talker echo, which fades with T).
    static func simultaneousImpairment(_ t: Double) -> Double {
        let stmro = -10 * log10(pow(10, -stmr / 10) + exp(-t / 4) * pow(10, -telr / 10))
        let ist = 12 * pow(1 + pow((stmro - 13) / 6, 8), 1.0 / 8) - 28 * pow(1 + pow((stmro + 1) / 19.4, 35), 1.0 / 35)
            - 13 * pow(1 + pow((stmro - 3) / 33, 13), 1.0 / 13) + 29
        return iolr + ist + iq
    }

    /// Delay impairment Id = Idte + Idle + Idd for a mouth-to-ear delay `t` ms (T = Ta, Tr = 2T).
    static func delayImpairment(_ t: Double) -> Double {
        let roe = -1.5 * (no - rlr)
        let terv = telr - 40 * log10((1 + t / 10) / (1 + t / 150)) + 6 * exp(-0.3 * t * t)
        let re = 80 + 2.5 * (terv - 14)
        let idte = ((roe - re) / 2 + ((roe - re) * (roe - re) / 4 + 100).squareRoot() - 1) * (1 - exp(-t))
        let rle = 10.5 * (wepl + 7) * pow(2 * t + 1, -0.25)
        let idle = (ro - rle) / 2 + ((ro - rle) * (ro - rle) / 4 + 169).squareRoot()
        var idd = 0.0
        if t > 100 {
            let x = log10(t / 100) / log10(2)
            idd = 25 * (pow(1 + pow(x, 6), 1.0 / 6) - 3 * pow(1 + pow(x / 3, 6), 1.0 / 6) + 2)
        }
        return idte + idle + idd
    }

    /// R for a one-way (mouth-to-ear) delay in ms, a codec, a packet-loss percentage and
    /// G.107's burst ratio BurstR (1 for random loss): R = Ro − Is − Id − Ie,eff + A, with
    /// Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl).
    public static func rating(oneWayDelay t: Double, codec: Codec, lossPercent ppl: Double, burstRatio: Double) -> Double {
        let ieEff = codec.ie + (95 - codec.ie) * ppl / (ppl / burstRatio + codec.bpl)
        return ro - simultaneousImpairment(t) - delayImpairment(t) - ieEff + advantage
    }

    /// MOS-CQE from R (G.107 Annex B).
    public static func mos(_ r: Double) -> Double {
        if r < 0 { return 1 }
        if r > 100 { return 4.5 }
        return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    }
}
