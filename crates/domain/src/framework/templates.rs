//! The seeds' work systems as templates: exactly what the seeds say, nothing
//! invented (PRODUCT.md, principle 1: "Ship the three systems from the seeds as
//! ready templates").
//!
//! - `sqiang_liangchuang`: 四强两创, from seed 000 (中铝股份党委).
//! - `s113344`: 113344党建工作体系, from seed 003 (东轻党委).
//! - `s1234n`: 1234N党建工作体系, from seed 001 (西南铝党委).
//!
//! Rules followed throughout:
//! - Names are written in simplified Chinese. Seeds 000 and 001 are in
//!   traditional script; the names are their simplified forms, checked by the
//!   tests against verbatim quotes of the seeds.
//! - Weights: no seed gives any weight, so every element and indicator has the
//!   same weight 1.0 among its siblings. The enterprise sets its own.
//! - A mechanism is only something a seed names as a standing rule or
//!   procedure: a named 机制、制度、体系、标准、禁令、闭环 or 督办, plus in seed 003
//!   the “第一议题” (“首要程序”) and the “四责一体” responsibility pattern. It is
//!   linked to an element only where the seed's text puts it under that element.
//! - A part a seed names only by number is a placeholder with `to_fill: true`.

use super::{ElementTemplate, FrameworkTemplate, IndicatorSource, IndicatorTemplate, MechanismTemplate, Metric};

/// Every shipped template.
pub fn all() -> Vec<FrameworkTemplate> {
    vec![sqiang_liangchuang(), s113344(), s1234n()]
}

fn element(name: &str, description: &str, children: Vec<ElementTemplate>) -> ElementTemplate {
    ElementTemplate { name: name.into(), description: description.into(), weight: 1.0, to_fill: false, children }
}

fn leaf(name: &str, description: &str) -> ElementTemplate {
    element(name, description, vec![])
}

fn placeholder(name: &str, description: &str) -> ElementTemplate {
    ElementTemplate { to_fill: true, ..leaf(name, description) }
}

fn mechanism(name: &str, description: &str, element: Option<&str>) -> MechanismTemplate {
    MechanismTemplate { name: name.into(), description: description.into(), element: element.map(Into::into) }
}

fn indicator(name: &str, element: &str, source: IndicatorSource, unit: &str) -> IndicatorTemplate {
    IndicatorTemplate {
        name: name.into(),
        element: Some(element.into()),
        source,
        unit: unit.into(),
        target: None,
        weight: 1.0,
    }
}

/// 四强两创 (seed 000): “以“四强两创”(强思想、强能力、强融合、强保障,创价值、
/// 创一流)为总体牵引”.
///
/// The six named parts are the elements, flat and in the seed's order. They
/// are not grouped under 四强 / 两创 parents: with equal sibling weights that
/// grouping would silently weigh each 创 twice as much as each 强, a weighting
/// the seed does not give.
///
/// Mechanisms: only what seed 000 names 机制、制度 or 体系 (plus the
/// 七步销号法 it uses with the 五方联动体系). The seed's sections (强根铸魂、
/// 融合赋能、文化浸润、作风护航、党群共建) are not the six elements and the
/// seed never says which section serves which element, so every mechanism has
/// `element: None`. Seed 000 names no indicator.
fn sqiang_liangchuang() -> FrameworkTemplate {
    const SI_QIANG: &str = "“四强”之一；种子文档只列出名称。";
    const LIANG_CHUANG: &str = "“两创”之一；种子文档只列出名称。";
    FrameworkTemplate {
        key: "sqiang_liangchuang".into(),
        name: "四强两创".into(),
        description: "中铝股份党委以“四强两创”（强思想、强能力、强融合、强保障，创价值、创一流）为总体牵引，\
                      全面提升党建工作质效。"
            .into(),
        source: "种子文档000：中铝股份2025年上半年党建领航聚力赋能综述（党委宣传部，2025-08-25）".into(),
        elements: vec![
            leaf("强思想", SI_QIANG),
            leaf("强能力", SI_QIANG),
            leaf("强融合", SI_QIANG),
            leaf("强保障", SI_QIANG),
            leaf("创价值", LIANG_CHUANG),
            leaf("创一流", LIANG_CHUANG),
        ],
        mechanisms: vec![
            mechanism(
                "“三三三”工作机制",
                "深入贯彻中央八项规定精神学习教育：高起点谋划，高标准推进，高质量落实，一体推进“学查改”。",
                None,
            ),
            mechanism("“第一议题”制度", "认真落实“第一议题”制度，制定贯彻落实措施。", None),
            mechanism("闭环工作机制", "落实“第一议题”制度的闭环工作机制。", None),
            mechanism("列席旁听、共学联学工作机制", "深化落实党委中心组学习。", None),
            mechanism("“五方联动”体系", "巡视整改：制定161条措施，构建“五方联动”体系，确保巡视整改件件落实。", None),
            mechanism("“七步销号法”", "巡视整改措施通过“七步销号法”严格审核。", None),
            mechanism(
                "“三重一大”决策制度",
                "完善“三重一大”决策制度及权责清单，督导各级企业动态优化党委前置研究清单。",
                None,
            ),
            mechanism("境外党建工作定期汇报制度", "", None),
            mechanism(
                "“双向融合”督促指导和总结评估工作机制",
                "制定印发；构建专项督导、跟踪问效、考核评价全过程抓落实工作闭环。",
                None,
            ),
            mechanism("全级次企业媒体穿透管理协调工作机制", "", None),
            mechanism("重要宣传事项提级管理审核机制", "", None),
            mechanism("党委和纪委常态化沟通会商机制", "", None),
        ],
        indicators: vec![],
    }
}

/// 113344党建工作体系 (seed 003): “依托系统架构“精神涵养、使命引领、组织保障、
/// 治理穿透、基础支撑、成效评价”六大要素协调统一的113344党建工作体系”.
///
/// The seed does not spell out the digits, and names no element's parts
/// directly. It does give one paragraph per element, each opened by a heading,
/// in three sections whose openings pair the elements' themes
/// (“政治强党与精神兴党…思想强党与使命兴党”, “组织强党与价值兴党…基础强党与活力兴党”,
/// “制度强党与治理兴党、发展强党与目标兴党”). The parts named in each paragraph
/// are placed under that paragraph's element:
///
/// | element | paragraph heading (seed 003) | parts named |
/// |---|---|---|
/// | 精神涵养 | 讲忠诚、有信念,传承一种精神,成就产业报国 | — |
/// | 使命引领 | 讲担当、有目标,赓续一种使命,投身铝基强国 | — |
/// | 组织保障 | 强功能、有作为,贯通三大链条,推动深耕细作 | 三大链条 |
/// | 基础支撑 | 强管理、有活力,做优四化建设,发力赋能拓展 | 四化建设 |
/// | 治理穿透 | 强效能、有规范,穿透三重治理,优化发展生态 | 三重治理 |
/// | 成效评价 | 强成效、有考核,推行四维评价,锻造过硬队伍 | 四维评价 |
///
/// (One spirit, one mission, three chains, three governances, four 化, four
/// dimensions, in the element order: 1-1-3-3-4-4. The seed does not say that
/// this is what the name means; it is only consistent with it.)
///
/// Mechanisms are linked to the element of the paragraph that names them;
/// not to a finer part (e.g. “四责一体” is not linked to 责任链), because the
/// paragraph does not name the chain it describes.
///
/// 综合评价 (“运用“重点工作督办+日常工作动态+集中检查情况+经营指标结果”的综合评价
/// 配强队伍”) is a mechanism of 成效评价, not four child elements: the seed
/// describes it as a method that is used (运用) to strengthen the cadre team,
/// combining four sources of evidence, not as dimensions of the evaluation
/// (those are the 四维评价).
///
/// The three indicators are “四维评价中…具体标准”, so they belong to 四维评价; the
/// seed does not say which dimension each serves. Units: only 任务分解完成率 is
/// a rate (%); the seed gives no unit for the other two, so theirs is empty.
fn s113344() -> FrameworkTemplate {
    const EL_JINGSHEN: &str = "精神涵养";
    const EL_SHIMING: &str = "使命引领";
    const EL_ZUZHI: &str = "组织保障";
    const EL_ZHILI: &str = "治理穿透";
    const EL_JICHU: &str = "基础支撑";
    const EL_CHENGXIAO: &str = "成效评价";
    const SIWEI: &str = "四维评价";
    FrameworkTemplate {
        key: "113344".into(),
        name: "113344党建工作体系".into(),
        description: "东轻党委依托系统架构“精神涵养、使命引领、组织保障、治理穿透、基础支撑、成效评价”\
                      六大要素协调统一的113344党建工作体系，全领域推动国有企业“大党建”工作格局的贯通运转。"
            .into(),
        source: "种子文档003：东轻党委以党建工作体系建设赋能高质量发展驱动力（2024-01-16）".into(),
        elements: vec![
            leaf(EL_JINGSHEN, "讲忠诚、有信念，传承一种精神，成就产业报国。"),
            leaf(EL_SHIMING, "讲担当、有目标，赓续一种使命，投身铝基强国。"),
            element(
                EL_ZUZHI,
                "强功能、有作为，贯通三大链条，推动深耕细作。",
                vec![element(
                    "三大链条",
                    "“三大链条”即组织链、责任链、价值链。",
                    vec![leaf("组织链", ""), leaf("责任链", ""), leaf("价值链", "")],
                )],
            ),
            element(
                EL_ZHILI,
                "强效能、有规范，穿透三重治理，优化发展生态。",
                vec![element(
                    "三重治理",
                    "将“坚持全面从严治党推进全面从严治企”作为制度治理、决策治理和运行治理的工作重心。",
                    vec![leaf("制度治理", ""), leaf("决策治理", ""), leaf("运行治理", "")],
                )],
            ),
            element(
                EL_JICHU,
                "强管理、有活力，做优四化建设，发力赋能拓展。",
                vec![element(
                    "四化建设",
                    "综合推进基层党建标准化、基础管理规范化、品牌载体特色化、任务落实清单化。",
                    vec![
                        leaf("基层党建标准化", ""),
                        leaf("基础管理规范化", ""),
                        leaf("品牌载体特色化", ""),
                        leaf("任务落实清单化", ""),
                    ],
                )],
            ),
            element(
                EL_CHENGXIAO,
                "强成效、有考核，推行四维评价，锻造过硬队伍。",
                vec![element(
                    SIWEI,
                    "交叉实施政治执行力、组织落实力、堡垒作用力、责任担当力四维评价。",
                    vec![
                        leaf("政治执行力", ""),
                        leaf("组织落实力", ""),
                        leaf("堡垒作用力", ""),
                        leaf("责任担当力", ""),
                    ],
                )],
            ),
        ],
        mechanisms: vec![
            mechanism("“第一议题”", "将“第一议题”作为首要程序紧扣方向。", Some(EL_JINGSHEN)),
            mechanism(
                "“五学”机制",
                "党委会跟进学、中心组研讨学、读书班系统学、上级领导领学、邀请专家讲学。",
                Some(EL_JINGSHEN),
            ),
            mechanism("“三会一层”决策事项清单机制", "", Some(EL_SHIMING)),
            mechanism("决策事项跟踪督办机制", "", Some(EL_SHIMING)),
            mechanism(
                "任务清单机制",
                "延伸基层党组织工作细则和任务清单机制，将党建的顶层设计贯穿至企业决策治理的各个环节。",
                Some(EL_SHIMING),
            ),
            mechanism(
                "三重倒逼机制",
                "“面向市场挑战、指标自我加压、管理标准提升”三重倒逼机制，激发全员价值创造、动真碰硬的主动作为。",
                Some(EL_SHIMING),
            ),
            mechanism(
                "闭环管理",
                "建立重大事项、年度指标、具体实施及子项关联任务清单，形成中心工作有跟踪、有督导、有反馈的闭环管理。",
                Some(EL_ZUZHI),
            ),
            mechanism(
                "“四责一体”建设",
                "党组织主体责任、书记第一责任、领导干部一岗双责、生产经营党政同责的立体式党建责任格局。",
                Some(EL_ZUZHI),
            ),
            mechanism("“五明五会”标准", "规范总支及支部书记“头雁”带队的履职能力。", Some(EL_ZUZHI)),
            mechanism("“5+N”廉政教育体系", "", Some(EL_ZHILI)),
            mechanism("董事长和总经理网络监督“直通车”机制", "", Some(EL_ZHILI)),
            mechanism("廉政责任约谈预警机制", "", Some(EL_ZHILI)),
            mechanism("干部作风建设“十条禁令”", "", Some(EL_ZHILI)),
            mechanism("“大监督”机制", "政治巡查监督、专责专项监督、管理系统监督、群众动态监督联动。", Some(EL_ZHILI)),
            mechanism("总支——支部——岗位分级督办", "现场安全环保问题分级督办促整改。", Some(EL_JICHU)),
            mechanism(
                "综合评价",
                "运用“重点工作督办+日常工作动态+集中检查情况+经营指标结果”的综合评价配强队伍。",
                Some(EL_CHENGXIAO),
            ),
        ],
        indicators: vec![
            indicator(
                "任务分解完成率",
                SIWEI,
                IndicatorSource::Computed { metric: Metric::TaskCompletionRate },
                Metric::TaskCompletionRate.unit(),
            ),
            indicator("创新成果加分项", SIWEI, IndicatorSource::Reported, ""),
            indicator("党员先锋达效度", SIWEI, IndicatorSource::Reported, ""),
        ],
    }
}

/// 1234N党建工作体系 (seed 001): “以“1234N”党建工作体系为统揽”.
///
/// Seed 001 names the system but never lists its parts, so the numbered parts
/// are placeholders (`to_fill: true`) for the enterprise to fill in. Its
/// mechanisms are those the seed names 机制、制度、体系 or 闭环; the seed does
/// not tie any of them to a numbered part, so all have `element: None`. Seed
/// 001 names no indicator.
fn s1234n() -> FrameworkTemplate {
    const TO_FILL: &str = "种子文档只写明以“1234N”党建工作体系为统揽，未列出此部分的内容，由企业填写。";
    FrameworkTemplate {
        key: "1234n".into(),
        name: "1234N党建工作体系".into(),
        description: "西南铝党委以“1234N”党建工作体系为统揽，让“党建红”与“产业蓝”深度交融、同频共振。\
                      种子文档未列出该体系各部分的内容。"
            .into(),
        source: "种子文档001：西南铝2025年党建工作纪实（中国有色金属报，2026-01-15）".into(),
        elements: vec![
            placeholder("1（待企业填写）", TO_FILL),
            placeholder("2（待企业填写）", TO_FILL),
            placeholder("3（待企业填写）", TO_FILL),
            placeholder("4（待企业填写）", TO_FILL),
            placeholder("N（待企业填写）", TO_FILL),
        ],
        mechanisms: vec![
            mechanism("“第一议题”制度", "“第一议题”制度持续深化。", None),
            mechanism("“学习—研讨—落实—问效”全链条闭环", "“第一议题”制度构建起的全链条闭环。", None),
            mechanism("上下联学与列席旁听机制", "党委中心组理论学习，构建起“全域联动”的学习格局。", None),
            mechanism("“党建引领+绩效锚定+典型示范”机制", "嵌入科技创新攻关全流程。", None),
            mechanism("党员“双提升”积分体系", "", None),
            mechanism("“党建赋能”机制", "制订党建赋能高端有色金属材料创新联合体建设实施方案。", None),
            mechanism("党建结对共建", "种子文档称其为“成熟机制”。", None),
            mechanism("“党建+”活动", "种子文档称其为“成熟机制”。", None),
            mechanism("大监督体系", "完成对部分机关部门党支部和基层单位的专项巡察。", None),
        ],
        indicators: vec![],
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::framework::validate_weight;

    /// Verbatim quotes of the seeds that the templates rest on: the CI checkout
    /// holds only this repository, not the seed files, so the sentences are
    /// copied here. Seeds 000 and 001 are quoted as stored (traditional script,
    /// with the pinyin annotations the crawl inserted, ASCII commas);
    /// [`normalize`] turns them into simplified script for the name checks.
    /// `quotes_are_verbatim_when_seeds_present` checks each quote against the
    /// seed file when the shared seeds directory is next to the checkout.
    const SEEDS: &[(&str, &str, &[&str])] = &[
        (
            "sqiang_liangchuang",
            "000_b7de2642cb44059d.txt",
            &[
                "以“四強兩創(chuàng)”(強思想、強能力、強融合、強保障,創(chuàng)價值、創(chuàng)一流)為總體牽引",
                "建立“三三三”工作機制,高起點謀劃,高標準推進,高質(zhì)量落實,一體推進“學(xué)查改”",
                "認真落實“第一議題”制度,制定貫徹落實措施,完善閉環(huán)工作機制",
                "深化落實黨委中心組學(xué)習(xí),建立列席旁聽、共學(xué)聯(lián)學(xué)工作機制",
                "抓實巡視整改,制定161條措施,構(gòu)建“五方聯(lián)動”體系,通過“七步銷號法”嚴格審核,確保巡視整改件件落實",
                "完善“三重一大”決策制度及權(quán)責(zé)清單,督導(dǎo)各級企業(yè)動態(tài)優(yōu)化黨委前置研究清單",
                "建立境外黨建工作定期匯報制度,制定印發(fā)《“雙向融合”督促指導(dǎo)和總結(jié)評估工作機制》,構(gòu)建專項督導(dǎo)、跟蹤問效、考核評價全過程抓落實工作閉環(huán)",
                "健全完善全級次企業(yè)媒體穿透管理協(xié)調(diào)工作機制和重要宣傳事項提級管理審核機制",
                "建立黨委和紀委常態(tài)化溝通會商機制",
            ],
        ),
        (
            "113344",
            "003_de50d2d3e28aeb5c.txt",
            &[
                "依托系统架构“精神涵养、使命引领、组织保障、治理穿透、基础支撑、成效评价”六大要素协调统一的113344党建工作体系",
                "讲忠诚、有信念,传承一种精神,成就产业报国。",
                "将“第一议题”作为首要程序紧扣方向",
                "“党委会跟进学、中心组研讨学、读书班系统学、上级领导领学、邀请专家讲学”的“五学”机制",
                "讲担当、有目标,赓续一种使命,投身铝基强国。",
                "东轻党委持续巩固“三会一层”决策事项清单机制、决策事项跟踪督办机制、延伸基层党组织工作细则和任务清单机制",
                "以“面向市场挑战、指标自我加压、管理标准提升”三重倒逼机制激发全员价值创造、动真碰硬的主动作为",
                "强功能、有作为,贯通三大链条,推动深耕细作。“三大链条”即组织链、责任链、价值链。",
                "建立重大事项、年度指标、具体实施及子项关联任务清单,形成中心工作有跟踪、有督导、有反馈的闭环管理",
                "以“四责一体”建设为关键,东轻构建起党组织主体责任、书记第一责任、领导干部一岗双责、生产经营党政同责的立体式党建责任格局",
                "重点利用“五明五会”标准规范总支及支部书记“头雁”带队的履职能力",
                "强管理、有活力,做优四化建设,发力赋能拓展。",
                "东轻党委综合推进基层党建标准化、基础管理规范化、品牌载体特色化、任务落实清单化",
                "总支——支部——岗位分级督办促整改",
                "强效能、有规范,穿透三重治理,优化发展生态。",
                "东轻党委将“坚持全面从严治党推进全面从严治企”作为制度治理、决策治理和运行治理的工作重心",
                "完善“5+N”廉政教育体系",
                "深化董事长和总经理网络监督“直通车”机制与廉政责任约谈预警机制,一体化推进“三不腐”及干部作风建设“十条禁令”",
                "东轻党委全面铺开政治巡查监督、专责专项监督、管理系统监督、群众动态监督联动的“大监督”机制",
                "强成效、有考核,推行四维评价,锻造过硬队伍。交叉实施政治执行力、组织落实力、堡垒作用力、责任担当力四维评价",
                "运用“重点工作督办+日常工作动态+集中检查情况+经营指标结果”的综合评价配强队伍",
                "将四维评价中任务分解完成率、创新成果加分项、党员先锋达效度等具体标准作为队伍担当能力建设的指挥棒",
            ],
        ),
        (
            "1234n",
            "001_a1c96a6a62beb1fb.txt",
            &[
                "以“1234N”黨建工作體系為統(tǒng)攬",
                "“第一議題”制度持續(xù)深化,構(gòu)建起“學習—研討—落實—問效”全鏈條閉環(huán)",
                "持續(xù)深化上下聯(lián)學與列席旁聽機制,構(gòu)建起“全域聯(lián)動”的學習格局",
                "將“黨建引領+績效錨定+典型示范”機制嵌入科技創(chuàng)新攻關(guān)全流程,優(yōu)化黨員“雙提升”積分體系",
                "創(chuàng)新“黨建賦能”機制,制訂黨建賦能高端有色金屬材料創(chuàng)新聯(lián)合體建設實施方案,依托黨建結(jié)對共建和“黨建+”活動等成熟機制",
                "西南鋁不斷完善大監(jiān)督體系",
            ],
        ),
    ];

    /// Traditional → simplified, for the characters of the quotes above that
    /// the template names use (pairs: traditional, simplified).
    const TRAD_SIMP: &[(char, char)] = &[
        ('強', '强'),
        ('兩', '两'),
        ('創', '创'),
        ('價', '价'),
        ('機', '机'),
        ('議', '议'),
        ('題', '题'),
        ('閉', '闭'),
        ('環', '环'),
        ('聽', '听'),
        ('學', '学'),
        ('習', '习'),
        ('聯', '联'),
        ('動', '动'),
        ('體', '体'),
        ('銷', '销'),
        ('號', '号'),
        ('決', '决'),
        ('黨', '党'),
        ('匯', '汇'),
        ('報', '报'),
        ('雙', '双'),
        ('導', '导'),
        ('總', '总'),
        ('結', '结'),
        ('評', '评'),
        ('級', '级'),
        ('業', '业'),
        ('協', '协'),
        ('調', '调'),
        ('傳', '传'),
        ('項', '项'),
        ('審', '审'),
        ('紀', '纪'),
        ('態', '态'),
        ('溝', '沟'),
        ('會', '会'),
        ('討', '讨'),
        ('實', '实'),
        ('問', '问'),
        ('鏈', '链'),
        ('領', '领'),
        ('績', '绩'),
        ('錨', '锚'),
        ('積', '积'),
        ('賦', '赋'),
        ('對', '对'),
        ('監', '监'),
        ('條', '条'),
        ('與', '与'),
        ('員', '员'),
    ];

    /// Drops the crawl's pinyin annotations (“創(chuàng)” → “創”) and maps the
    /// traditional characters of [`TRAD_SIMP`] to simplified ones.
    fn normalize(quote: &str) -> String {
        let mut out = String::new();
        let mut rest = quote;
        while let Some(c) = rest.chars().next() {
            if c == '(' {
                if let Some(end) = rest.find(')') {
                    let inner = &rest[1..end];
                    if !inner.is_empty() && inner.chars().all(|ch| ch.is_alphabetic() && (ch as u32) < 0x3000) {
                        rest = &rest[end + 1..];
                        continue;
                    }
                }
            }
            out.push(TRAD_SIMP.iter().find(|(t, _)| *t == c).map_or(c, |(_, s)| *s));
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    fn walk<'a>(elements: &'a [ElementTemplate], out: &mut Vec<&'a ElementTemplate>) {
        for e in elements {
            out.push(e);
            walk(&e.children, out);
        }
    }

    fn all_elements(t: &FrameworkTemplate) -> Vec<&ElementTemplate> {
        let mut out = vec![];
        walk(&t.elements, &mut out);
        out
    }

    fn template(key: &str) -> FrameworkTemplate {
        all().into_iter().find(|t| t.key == key).expect(key)
    }

    fn names(elements: &[ElementTemplate]) -> Vec<&str> {
        elements.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn three_templates_with_unique_keys() {
        let templates = all();
        assert_eq!(templates.len(), 3);
        let keys: Vec<&str> = templates.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["sqiang_liangchuang", "113344", "1234n"]);
        assert_eq!(keys.iter().collect::<HashSet<_>>().len(), 3);
        for t in &templates {
            assert!(t.source.starts_with("种子文档"), "{}", t.key);
            assert!(!t.description.trim().is_empty(), "{}", t.key);
        }
    }

    #[test]
    fn sqiang_liangchuang_has_exactly_the_six_named_elements() {
        let t = template("sqiang_liangchuang");
        assert_eq!(t.name, "四强两创");
        assert_eq!(names(&t.elements), ["强思想", "强能力", "强融合", "强保障", "创价值", "创一流"]);
        assert!(t.elements.iter().all(|e| e.children.is_empty() && !e.to_fill));
        // The seed never says which element a mechanism serves.
        assert!(t.mechanisms.iter().all(|m| m.element.is_none()));
        assert!(t.indicators.is_empty());
    }

    #[test]
    fn t113344_has_the_six_elements_in_the_seeds_order_and_their_named_parts() {
        let t = template("113344");
        assert_eq!(names(&t.elements), ["精神涵养", "使命引领", "组织保障", "治理穿透", "基础支撑", "成效评价"]);
        let child = |top: usize| {
            let group = &t.elements[top].children;
            assert_eq!(group.len(), 1);
            (group[0].name.as_str(), names(&group[0].children))
        };
        assert!(t.elements[0].children.is_empty() && t.elements[1].children.is_empty());
        assert_eq!(child(2), ("三大链条", vec!["组织链", "责任链", "价值链"]));
        assert_eq!(child(3), ("三重治理", vec!["制度治理", "决策治理", "运行治理"]));
        assert_eq!(
            child(4),
            ("四化建设", vec!["基层党建标准化", "基础管理规范化", "品牌载体特色化", "任务落实清单化"])
        );
        assert_eq!(child(5), ("四维评价", vec!["政治执行力", "组织落实力", "堡垒作用力", "责任担当力"]));
        assert!(all_elements(&t).iter().all(|e| !e.to_fill));
    }

    #[test]
    fn t113344_indicators() {
        let t = template("113344");
        let by_name = |n: &str| t.indicators.iter().find(|i| i.name == n).expect(n);
        let rate = by_name("任务分解完成率");
        assert_eq!(rate.source, IndicatorSource::Computed { metric: Metric::TaskCompletionRate });
        assert_eq!(rate.unit, "%");
        assert_eq!(by_name("创新成果加分项").source, IndicatorSource::Reported);
        assert_eq!(by_name("党员先锋达效度").source, IndicatorSource::Reported);
        assert_eq!(t.indicators.len(), 3);
        assert!(t.indicators.iter().all(|i| i.element.as_deref() == Some("四维评价") && i.target.is_none()));
    }

    #[test]
    fn the_only_computed_indicator_is_task_completion_rate() {
        let computed: Vec<_> = all()
            .into_iter()
            .flat_map(|t| t.indicators)
            .filter_map(|i| match i.source {
                IndicatorSource::Computed { metric } => Some((i.name, metric)),
                IndicatorSource::Reported => None,
            })
            .collect();
        assert_eq!(computed, [("任务分解完成率".to_string(), Metric::TaskCompletionRate)]);
    }

    #[test]
    fn t1234n_numbered_parts_are_placeholders_to_fill() {
        let t = template("1234n");
        assert_eq!(
            names(&t.elements),
            ["1（待企业填写）", "2（待企业填写）", "3（待企业填写）", "4（待企业填写）", "N（待企业填写）"]
        );
        assert!(all_elements(&t).iter().all(|e| e.to_fill && !e.description.is_empty()));
        assert!(t.mechanisms.iter().all(|m| m.element.is_none()));
        assert!(!t.mechanisms.is_empty());
        assert!(t.indicators.is_empty());
    }

    #[test]
    fn references_name_existing_elements_and_element_names_are_unique() {
        for t in all() {
            let elements = all_elements(&t);
            let known: HashSet<&str> = elements.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(known.len(), elements.len(), "{}: element names must be unique", t.key);
            for m in &t.mechanisms {
                if let Some(e) = &m.element {
                    assert!(known.contains(e.as_str()), "{}: mechanism {} → {}", t.key, m.name, e);
                }
            }
            for i in &t.indicators {
                if let Some(e) = &i.element {
                    assert!(known.contains(e.as_str()), "{}: indicator {} → {}", t.key, i.name, e);
                }
            }
            let mechanisms: HashSet<&str> = t.mechanisms.iter().map(|m| m.name.as_str()).collect();
            assert_eq!(mechanisms.len(), t.mechanisms.len(), "{}: mechanism names must be unique", t.key);
        }
    }

    #[test]
    fn names_are_non_empty_and_weights_equal() {
        for t in all() {
            assert!(!t.name.trim().is_empty());
            for e in all_elements(&t) {
                assert!(!e.name.trim().is_empty(), "{}", t.key);
                assert_eq!(validate_weight(e.weight), Ok(1.0), "{}: {}", t.key, e.name);
            }
            for m in &t.mechanisms {
                assert!(!m.name.trim().is_empty(), "{}", t.key);
            }
            for i in &t.indicators {
                assert!(!i.name.trim().is_empty(), "{}", t.key);
                assert_eq!(validate_weight(i.weight), Ok(1.0), "{}: {}", t.key, i.name);
            }
        }
    }

    #[test]
    fn every_name_appears_in_the_seed_quotes() {
        for t in all() {
            let (_, _, quotes) = SEEDS.iter().find(|(k, _, _)| *k == t.key).expect(&t.key);
            let text: Vec<String> = quotes.iter().map(|q| normalize(q)).collect();
            let found = |name: &str| text.iter().any(|q| q.contains(name));
            let mut names: Vec<&str> =
                all_elements(&t).into_iter().filter(|e| !e.to_fill).map(|e| e.name.as_str()).collect();
            names.extend(t.mechanisms.iter().map(|m| m.name.as_str()));
            names.extend(t.indicators.iter().map(|i| i.name.as_str()));
            let missing: Vec<&str> = names.into_iter().filter(|n| !found(n)).collect();
            assert!(missing.is_empty(), "{}: not in the seed quotes: {missing:?}", t.key);
        }
    }

    #[test]
    fn normalize_drops_pinyin_and_maps_to_simplified() {
        assert_eq!(normalize("“四強兩創(chuàng)”(強思想,創(chuàng)一流)"), "“四强两创”(强思想,创一流)");
    }

    /// The quotes are verbatim: checked against the seed files when the shared
    /// seeds directory sits next to the checkout (as in the development
    /// workspace); skipped where it does not (CI clones this repository only).
    #[test]
    fn quotes_are_verbatim_when_seeds_present() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
        if !dir.is_dir() {
            eprintln!("seeds not found at {}; verbatim check skipped", dir.display());
            return;
        }
        for (key, file, quotes) in SEEDS {
            let text = std::fs::read_to_string(dir.join(file)).expect(file);
            for q in quotes.iter() {
                assert!(text.contains(q), "{key}: quote not in {file}: {q}");
            }
        }
    }

    #[test]
    fn templates_round_trip_through_json() {
        let templates = all();
        let json = serde_json::to_string(&templates).unwrap();
        let back: Vec<FrameworkTemplate> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, templates);
    }
}
