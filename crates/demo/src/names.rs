//! Synthetic people: names, phone numbers and job titles.
//!
//! Names are drawn from common surnames (weighted roughly by how common they
//! are) and given-name characters, with an older and a younger style. The
//! names of real people mentioned in the seed articles are never produced.

use dangjian_domain::person::{Gender, TalentPool};
use rand::Rng;

use crate::blueprint::{Cat, Industry};

/// Surnames with a weight in tenths of a percent of the population (approximate).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 19),
    ("周", 19),
    ("徐", 14),
    ("孙", 14),
    ("马", 13),
    ("朱", 12),
    ("胡", 11),
    ("郭", 11),
    ("何", 11),
    ("高", 10),
    ("林", 10),
    ("罗", 9),
    ("郑", 8),
    ("梁", 8),
    ("谢", 7),
    ("宋", 7),
    ("唐", 7),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 4),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 2),
    ("范", 2),
    ("金", 2),
    ("石", 2),
    ("廖", 2),
    ("贾", 2),
    ("夏", 2),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 1),
    ("钱", 1),
    ("严", 1),
    ("覃", 1),
    ("武", 1),
    ("戴", 1),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("汤", 1),
    ("欧阳", 1),
    ("司马", 1),
];

const MALE_OLDER: &[char] = &[
    '伟', '强', '军', '勇', '刚', '平', '华', '建', '国', '志', '宏', '明', '林', '成', '东', '海', '文', '龙', '健',
    '兵', '锋', '春', '光', '永', '立', '新', '德', '力', '中', '江', '山', '荣', '庆', '忠', '民', '良', '斌', '涛',
    '峰', '辉', '波', '亮', '卫', '红', '学', '福', '生', '晓',
];
const MALE_YOUNGER: &[char] = &[
    '浩', '宇', '鹏', '鑫', '杰', '超', '磊', '凯', '俊', '帅', '飞', '晨', '阳', '博', '旭', '振', '洋', '昊', '睿',
    '轩', '航', '泽', '毅', '鸿', '栋', '森', '岩', '坤', '瑞', '翔', '子', '天', '一', '铭', '豪', '楠', '哲', '然',
    '宁', '涛', '亮', '明', '伟', '文', '思', '嘉', '晓',
];
const FEMALE_OLDER: &[char] = &[
    '芳', '敏', '静', '丽', '艳', '娟', '霞', '燕', '玲', '红', '梅', '琴', '秀', '凤', '兰', '英', '华', '玉', '春',
    '萍', '莉', '慧', '云', '琼', '桂', '平', '晓', '丹', '虹', '颖',
];
const FEMALE_YOUNGER: &[char] = &[
    '娜', '婷', '雪', '慧', '颖', '琳', '洁', '倩', '佳', '欣', '悦', '蕾', '怡', '晶', '露', '媛', '丹', '萌', '璐',
    '瑶', '雯', '月', '妍', '茜', '蓉', '思', '梦', '雨', '诗', '涵', '静', '晓', '嘉', '子', '文',
];

/// Real people named in the seed articles: never generated.
const REAL_PEOPLE: &[&str] = &[
    "习近平",
    "杨磊",
    "汤林志",
    "何文建",
    "张瑞忠",
    "毛世清",
    "许峰",
    "芦东",
    "马征",
    "朱丹",
    "欧小武",
    "姚林",
    "李婧懿",
    "吴士强",
    "任飞",
];

pub(crate) fn is_real_person(name: &str) -> bool {
    REAL_PEOPLE.contains(&name)
}

fn surname(rng: &mut impl Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
    let mut pick = rng.gen_range(0..total);
    for (s, w) in SURNAMES {
        if pick < *w {
            return s;
        }
        pick -= w;
    }
    SURNAMES[0].0
}

/// A synthetic Chinese name; the given-name style follows the birth year.
pub fn person_name(rng: &mut impl Rng, gender: Gender, birth_year: i32) -> String {
    loop {
        let younger = birth_year >= 1982 || (birth_year >= 1975 && rng.gen_bool(0.3));
        let pool = match (gender, younger) {
            (Gender::Male, false) => MALE_OLDER,
            (Gender::Male, true) => MALE_YOUNGER,
            (Gender::Female, false) => FEMALE_OLDER,
            (Gender::Female, true) => FEMALE_YOUNGER,
        };
        let mut name = surname(rng).to_string();
        let first = pool[rng.gen_range(0..pool.len())];
        name.push(first);
        // Single-character given names were commoner for those born earlier.
        let single = if younger { 0.15 } else { 0.35 };
        if !rng.gen_bool(single) {
            let second = pool[rng.gen_range(0..pool.len())];
            if second == first {
                continue;
            }
            name.push(second);
        }
        if !is_real_person(&name) {
            return name;
        }
    }
}

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
    "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "199",
];

/// An 11-digit mainland mobile number.
pub fn mobile(rng: &mut impl Rng) -> String {
    let prefix = MOBILE_PREFIXES[rng.gen_range(0..MOBILE_PREFIXES.len())];
    format!("{prefix}{:08}", rng.gen_range(0..100_000_000u32))
}

type Jobs = &'static [(&'static str, TalentPool)];

use TalentPool::{Management as M, Overseas as O, Skilled as S, Technical as T};

const SMELTING: Jobs = &[
    ("电解工", S),
    ("电解工", S),
    ("电解工", S),
    ("阳极组装工", S),
    ("铸造工", S),
    ("天车工", S),
    ("净化工", S),
    ("炭素焙烧工", S),
    ("检修钳工", S),
    ("维修电工", S),
];
const ALUMINA: Jobs = &[
    ("溶出工", S),
    ("分解工", S),
    ("蒸发工", S),
    ("焙烧工", S),
    ("原料磨工", S),
    ("赤泥压滤工", S),
    ("化验员", T),
    ("检修钳工", S),
    ("维修电工", S),
    ("锅炉运行工", S),
];
const PROCESSING: Jobs = &[
    ("熔铸工", S),
    ("轧制工", S),
    ("锻造工", S),
    ("挤压工", S),
    ("精整工", S),
    ("热处理工", S),
    ("天车工", S),
    ("检修钳工", S),
    ("维修电工", S),
    ("质检员", T),
];
const MINING: Jobs = &[
    ("采矿工程师", T),
    ("地质工程师", T),
    ("设备操作员", S),
    ("港口调度员", S),
    ("法语翻译", O),
    ("安全工程师", T),
    ("设备维修工", S),
];
const LOGISTICS: Jobs = &[("调度员", S), ("货运员", S), ("驾驶员", S), ("仓储管理员", S), ("装卸工", S)];
const PRODUCTION_STAFF: Jobs =
    &[("班长", S), ("班长", S), ("技术员", T), ("工程师", T), ("高级工程师", T), ("安全员", S), ("统计员", S)];
const PRODUCTION_LEADS: Jobs = &[("工段长", M), ("车间副主任", M), ("车间主任", M)];
const OFFICE: Jobs = &[
    ("科员", M),
    ("主管", M),
    ("主管", M),
    ("专责", M),
    ("专责", M),
    ("高级主管", M),
    ("业务经理", M),
    ("会计", T),
    ("经济师", T),
    ("副部长", M),
    ("部长", M),
    ("副主任", M),
];
const TRADE: Jobs = &[
    ("贸易经理", M),
    ("业务经理", M),
    ("投资经理", M),
    ("财务经理", M),
    ("主管", M),
    ("英语翻译", O),
    ("风控专员", T),
];
const RESEARCH: Jobs = &[
    ("研究员", T),
    ("副研究员", T),
    ("高级工程师", T),
    ("高级工程师", T),
    ("工程师", T),
    ("工程师", T),
    ("助理工程师", T),
    ("实验员", T),
    ("课题组长", T),
    ("副所长", M),
];

fn pick(rng: &mut impl Rng, jobs: Jobs) -> (&'static str, TalentPool) {
    jobs[rng.gen_range(0..jobs.len())]
}

/// A job title and the talent pool it belongs to.
pub(crate) fn job(rng: &mut impl Rng, industry: Industry, cat: Cat) -> (&'static str, TalentPool) {
    match (cat, industry) {
        (Cat::Office, Industry::Trade) => pick(rng, TRADE),
        (Cat::Office, _) => pick(rng, OFFICE),
        (Cat::Research, _) => pick(rng, RESEARCH),
        (Cat::Production, _) => {
            let roll = rng.gen_range(0..100);
            if roll < 8 {
                pick(rng, PRODUCTION_LEADS)
            } else if roll < 28 {
                pick(rng, PRODUCTION_STAFF)
            } else {
                let jobs = match industry {
                    Industry::Smelting => SMELTING,
                    Industry::Alumina => ALUMINA,
                    Industry::Processing => PROCESSING,
                    Industry::Mining => MINING,
                    Industry::Logistics => LOGISTICS,
                    Industry::Headquarters | Industry::Research | Industry::Trade => PRODUCTION_STAFF,
                };
                pick(rng, jobs)
            }
        }
    }
}

/// The title of a unit's head: 厂长 for a plant, 主任 for a centre …
pub(crate) fn head_title(unit: &str) -> &'static str {
    if unit.ends_with('厂') {
        "厂长"
    } else if unit.ends_with('所') {
        "所长"
    } else if unit.ends_with('部') {
        "部长"
    } else if unit.ends_with("公司") || unit.starts_with("云铝") {
        "总经理"
    } else {
        "主任"
    }
}

/// Titles a branch has only one of.
pub(crate) fn is_head(job: &str) -> bool {
    matches!(job, "部长" | "主任" | "车间主任" | "所长")
}

/// Titles that lead people: a branch secretary holding one says so
/// (党支部书记、车间主任); otherwise the secretary is just 党支部书记.
pub(crate) fn is_lead(job: &str) -> bool {
    job.ends_with('长') || job.ends_with("主任") || job.ends_with("经理")
}
