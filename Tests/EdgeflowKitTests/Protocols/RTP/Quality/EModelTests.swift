import Foundation
import Testing
@testable import EdgeflowKit

/// The E-model against ITU-T G.107 (06/2015): its formulas are written out again here from the
/// standard (§3 and Table 3's default values), with the codec values of ITU-T G.113 Appendix I
/// typed in from its tables, and the code must agree with them.
@Suite("G.107 E-model")
struct EModelTests {
    /// G.107's R for mouth-to-ear delay `t` (T = Ta, Tr = 2T), every other parameter at its
    /// Table 3 default: SLR 8, RLR 2, STMR 15, LSTR 18, Ds 3, TELR 65, WEPL 110, qdu 1,
    /// Nc −70, Nfor −64, Ps 35, Pr 35, A 0.
    static func g107(t: Double, ie: Double, bpl: Double, ppl: Double, burstR: Double) -> Double {
        let SLR = 8.0, RLR = 2.0, STMR = 15.0, LSTR = 18.0, Ds = 3.0, TELR = 65.0, WEPL = 110.0
        let qdu = 1.0, Nc = -70.0, Nfor = -64.0, Ps = 35.0, Pr = 35.0, A = 0.0
        let Ta = t, Tr = 2 * t
        let OLR = SLR + RLR
        let Nfo = Nfor + RLR
        let Pre = Pr + 10 * log10(1 + pow(10, (10 - LSTR) / 10))
        let Nor = RLR - 121 + Pre + 0.008 * (Pre - 35) * (Pre - 35)
        let Nos = Ps - SLR - Ds - 100 + 0.004 * (Ps - OLR - Ds - 14) * (Ps - OLR - Ds - 14)
        let No = 10 * log10(pow(10, Nc / 10) + pow(10, Nos / 10) + pow(10, Nor / 10) + pow(10, Nfo / 10))
        let Ro = 15 - 1.5 * (SLR + No)
        // Is = Iolr + Ist + Iq
        let Xolr = OLR + 0.2 * (64 + No - RLR)
        let Iolr = 20 * (pow(1 + pow(Xolr / 8, 8), 0.125) - Xolr / 8)
        let STMRo = -10 * log10(pow(10, -STMR / 10) + exp(-t / 4) * pow(10, -TELR / 10))
        let Ist = 12 * pow(1 + pow((STMRo - 13) / 6, 8), 0.125) - 28 * pow(1 + pow((STMRo + 1) / 19.4, 35), 1 / 35.0)
            - 13 * pow(1 + pow((STMRo - 3) / 33, 13), 1 / 13.0) + 29
        let Q = 37 - 15 * log10(qdu)
        let G = 1.07 + 0.258 * Q + 0.0602 * Q * Q
        let Z = 46 / 30 - G / 40
        let Y = (Ro - 100) / 15 + 46 / 8.4 - G / 9
        let Iq = 15 * log10(1 + pow(10, Y) + pow(10, Z))
        let Is = Iolr + Ist + Iq
        // Id = Idte + Idle + Idd
        let TERV = TELR - 40 * log10((1 + t / 10) / (1 + t / 150)) + 6 * exp(-0.3 * t * t)
        let Roe = -1.5 * (No - RLR)
        let Re = 80 + 2.5 * (TERV - 14)
        let Idte = ((Roe - Re) / 2 + sqrt((Roe - Re) * (Roe - Re) / 4 + 100) - 1) * (1 - exp(-t))
        let Rle = 10.5 * (WEPL + 7) * pow(Tr + 1, -0.25)
        let Idle = (Ro - Rle) / 2 + sqrt((Ro - Rle) * (Ro - Rle) / 4 + 169)
        let X = log10(Ta / 100) / log10(2)
        let Idd = Ta <= 100 ? 0 : 25 * (pow(1 + pow(X, 6), 1 / 6.0) - 3 * pow(1 + pow(X / 3, 6), 1 / 6.0) + 2)
        let Id = Idte + Idle + Idd
        let IeEff = ie + (95 - ie) * ppl / (ppl / burstR + bpl)
        return Ro - Is - Id - IeEff + A
    }

    /// G.107 Annex B: MOS-CQE from R.
    static func mos(_ r: Double) -> Double {
        r < 0 ? 1 : r > 100 ? 4.5 : 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    }

    /// G.107 §7.2: "the default values ... result in a rating R = 93.2".
    @Test func defaultCase() {
        let standard = Self.g107(t: 0, ie: 0, bpl: 1, ppl: 0, burstR: 1)
        #expect((standard * 10).rounded() / 10 == 93.2)
        let code = EModel.rating(oneWayDelay: 0, codec: EModel.Codec(ie: 0, bpl: 1), lossPercent: 0, burstRatio: 1)
        #expect(abs(code - standard) < 1e-9)
        #expect(abs(EModel.mos(code) - Self.mos(standard)) < 1e-12)
        #expect((EModel.mos(code) * 100).rounded() / 100 == 4.41)
    }

    /// G.711 with PLC (G.113 Table I.3: Ie 0, Bpl 25.1), G.711 without PLC (Ie 0, Bpl 4.3) and
    /// G.729A (Table I.1 Ie 11, Table I.3 Bpl 19.0), at loss rates and delays across the range
    /// (below and above G.107's Ta = 100 ms knee, random and bursty loss).
    @Test func workedCodecValues() {
        let codecs: [(ie: Double, bpl: Double)] = [(0, 25.1), (0, 4.3), (11, 19.0)]
        #expect(EModel.g711 == EModel.Codec(ie: 0, bpl: 25.1))
        #expect(EModel.g729 == EModel.Codec(ie: 11, bpl: 19.0))
        for c in codecs {
            for t in [0.0, 40, 90, 150, 250, 400] {
                for ppl in [0.0, 0.5, 1, 2, 5, 10, 20] {
                    for burstR in [1.0, 2] {
                        let standard = Self.g107(t: t, ie: c.ie, bpl: c.bpl, ppl: ppl, burstR: burstR)
                        let code = EModel.rating(oneWayDelay: t, codec: EModel.Codec(ie: c.ie, bpl: c.bpl), lossPercent: ppl, burstRatio: burstR)
                        #expect(abs(code - standard) < 1e-9, "Ie \(c.ie) Bpl \(c.bpl) T \(t) Ppl \(ppl) BurstR \(burstR)")
                        #expect(abs(EModel.mos(code) - Self.mos(standard)) < 1e-9)
                    }
                }
            }
        }
        // Spot values against hand arithmetic on the rounded default: G.711 with PLC at 2 % random
        // loss loses 95·2/(2 + 25.1) = 7.01 points; G.729A at no loss loses its Ie, 11.
        let base = Self.g107(t: 0, ie: 0, bpl: 25.1, ppl: 0, burstR: 1)
        #expect(abs(base - EModel.rating(oneWayDelay: 0, codec: EModel.g711, lossPercent: 2, burstRatio: 1) - 95 * 2 / 27.1) < 1e-9)
        #expect(abs(base - EModel.rating(oneWayDelay: 0, codec: EModel.g729, lossPercent: 0, burstRatio: 1) - 11) < 1e-9)
        // G.107 Annex B's ends: R ≤ 0 is MOS 1, R ≥ 100 is 4.5.
        #expect(EModel.mos(-3) == 1 && EModel.mos(120) == 4.5)
    }
}
