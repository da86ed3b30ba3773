//! The catalog data against the seed annex (眉政办发〔2024〕26号 附件
//! “高效办成一件事”2024年度重点事项清单), transcribed below cell by cell
//! *as printed*: a blank department cell means "same as the row above", ★
//! marks the lead department, and department names keep the annex's
//! spellings (e.g. 县城管执法局), which the catalog must resolve.

use app::catalog::{Audience, Catalog, DepartmentKind, Level};

/// (bundle no., bundle name, item name, department cell as printed; "" = blank)
const ANNEX: &[(u8, &str, &str, &str)] = &[
    (1, "企业信息变更", "企业变更登记", "★县行政审批局"),
    (1, "企业信息变更", "企业印章刻制", "县公安局"),
    (
        1,
        "企业信息变更",
        "基本账户变更",
        "人民银行宝鸡市分行（市级权限）",
    ),
    (1, "企业信息变更", "税控设备变更发行", "县税务局"),
    (1, "企业信息变更", "社会保险登记变更", "县人社局"),
    (
        1,
        "企业信息变更",
        "住房公积金企业缴存登记变更",
        "县住房公积金管理中心",
    ),
    (2, "开办运输企业", "企业营业执照信息核验", "县行政审批局"),
    (2, "开办运输企业", "企业车辆及驾驶员信息核验", "县公安局"),
    (
        2,
        "开办运输企业",
        "道路货物运输经营许可(危险货物道路运输经营、使用总质量 4500 千克及以下普通货运车辆从事普通货运经营的除外)",
        "★县交通局",
    ),
    (2, "开办运输企业", "普通道路货物运输车辆《道路运输证》办理", ""),
    (3, "开办餐饮店", "企业营业执照信息核验", "★县市场监管局"),
    (3, "开办餐饮店", "食品经营许可", ""),
    (3, "开办餐饮店", "户外招牌设施设置规范管理", "县城管执法局"),
    (
        3,
        "开办餐饮店",
        "公众聚集场所投入使用、营业前消防安全检查",
        "县消防救援大队",
    ),
    (
        4,
        "水电气网联合报装",
        "水电气网接入外线工程联合审批",
        "★县住建局\n县自然资源局、县交通局等部门",
    ),
    (4, "水电气网联合报装", "供电报装", "县发改局及供电企业"),
    (4, "水电气网联合报装", "燃气报装", "县住建局及供气企业"),
    (
        4,
        "水电气网联合报装",
        "供排水报装",
        "县水利局及供水企业、县住建局",
    ),
    (
        4,
        "水电气网联合报装",
        "通信报装",
        "县商务和工业信息化局及通信网络运营商",
    ),
    (
        5,
        "信用修复",
        "统筹在“信用中国”网站及地方信用平台网站建立相关失信信息信用修复指引",
        "★县发改局",
    ),
    (5, "信用修复", "行政处罚信息修复", "县发改局、县市场监管局等部门"),
    (5, "信用修复", "异常经营名录信息修复", "县市场监管局"),
    (5, "信用修复", "严重失信主体名单信息修复", "县发改局"),
    (
        6,
        "企业上市合法合规信息核查",
        "统筹相关申请核查信息的受理、分派、汇总和结果送达",
        "★县发改局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业城市管理领域无违法违规信息核查",
        "县城市管理执法局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业规划自然资源领域无违法违规信息核查",
        "县住建局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业违反劳动保障法律法规信息核查",
        "县人社局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业生态环境保护领域无违法违规信息核查",
        "县生态环境局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业市场监管领域无违法违规信息核查",
        "县市场监管局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业卫生和人员健康领域无违法违规信息核查",
        "县卫健局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业文化和旅游市场领域无违法违规信息核查",
        "县文旅局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业应急管理领域无违法违规信息核查",
        "县应急管理局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业住房、工程建设领域无违法违规信息核查",
        "县住建局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业人员住房公积金缴存信息核查",
        "县住房公积金管理中心",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业科技领域无违法违规信息核查",
        "县商务和工业信息化局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业交通运输领域无违法违规信息核查",
        "县交通局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业合法纳税情况无违法违规信息核查",
        "县税务局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业知识产权领域无违法违规信息核查",
        "县市场监管局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业水资源保护领域无违法违规信息核查",
        "县水利局",
    ),
    (
        6,
        "企业上市合法合规信息核查",
        "企业消防安全无违法违规信息核查",
        "县消防救援大队",
    ),
    (
        7,
        "企业破产信息核查",
        "统筹相关申请核查信息的受理、分派、汇总和结果送达",
        "★县法院",
    ),
    (7, "企业破产信息核查", "企业车辆信息核查", "县公安局"),
    (7, "企业破产信息核查", "企业不动产登记信息核查", "县自然资源局"),
    (
        7,
        "企业破产信息核查",
        "社会保险参保缴费记录核查",
        "县人社局、\n县税务局",
    ),
    (
        7,
        "企业破产信息核查",
        "企业注册、登记等基本信息核查",
        "县行政审批局",
    ),
    (
        7,
        "企业破产信息核查",
        "企业人员医保缴存信息核查",
        "县医保局、县税务局",
    ),
    (
        7,
        "企业破产信息核查",
        "企业房产信息核查",
        "县自然资源局、县住建局",
    ),
    (
        7,
        "企业破产信息核查",
        "企业人员住房公积金缴存信息核查",
        "县住房公积金管理中心",
    ),
    (7, "企业破产信息核查", "企业纳税缴税情况信息核查", "县税务局"),
    (8, "企业注销登记", "税务注销", "县税务局"),
    (8, "企业注销登记", "企业注销登记", "★县行政审批局"),
    (8, "企业注销登记", "注销社会保险登记", "县人社局"),
    (
        8,
        "企业注销登记",
        "银行账户注销",
        "人民银行宝鸡市分行（市级权限）",
    ),
    (8, "企业注销登记", "企业印章注销", "县公安局"),
    (9, "新生儿出生", "《出生医学证明》办理(首签)", "★县卫健局"),
    (9, "新生儿出生", "预防接种证办理", ""),
    (
        9,
        "新生儿出生",
        "本市户口登记(申报出生登记)1 岁以下婚内本市生育",
        "县公安局",
    ),
    (9, "新生儿出生", "社会保障卡申领", "县人社局"),
    (9, "新生儿出生", "生育医疗费用报销", "县医保局"),
    (9, "新生儿出生", "办理居民医保登记", ""),
    (9, "新生儿出生", "科学育儿指导服务登记", "县卫健局"),
    (10, "教育入学", "新生入学信息采集", "★县教体局"),
    (10, "教育入学", "户籍类证明", "县公安局"),
    (10, "教育入学", "居住证", ""),
    (10, "教育入学", "不动产权证书", "县自然资源局"),
    (10, "教育入学", "社会保险参保缴费记录查询", "县人社局"),
    (
        11,
        "社会保障卡居民服务",
        "就业和人力资源服务、社保服务",
        "★县人社局",
    ),
    (11, "社会保障卡居民服务", "就医购药", "县医保局"),
    (11, "社会保障卡居民服务", "交通出行", "县交通局"),
    (11, "社会保障卡居民服务", "文化体验", "县文旅局"),
    (
        12,
        "残疾人服务",
        "残疾人证新办、换领、迁移、挂失、补办、注销、残疾类别/等级变更",
        "★县残联",
    ),
    (12, "残疾人服务", "困难残疾人生活补贴", "县民政局、县残联"),
    (12, "残疾人服务", "重度残疾人护理补贴", ""),
    (12, "残疾人服务", "残疾人就业帮扶", "县人社局、县残联"),
    (12, "残疾人服务", "城乡居民基本养老保险补助", "县人社局"),
    (
        13,
        "退休",
        "参保人员达到法定退休年龄领取基本养老保险待遇资格确认",
        "★县人社局",
    ),
    (13, "退休", "基本养老保险视同缴费年限认定", ""),
    (13, "退休", "特殊工种提前退休核准", ""),
    (
        13,
        "退休",
        "因病或非因工致残完全丧失劳动能力提前退休(退职)核准",
        "",
    ),
    (13, "退休", "新增退休人员养老保险待遇核定发放", ""),
    (13, "退休", "基本医疗保险视同缴费年限核定", "县医保局"),
    (13, "退休", "离休、退休提取住房公积金", "县住房公积金管理中心"),
    (13, "退休", "城镇独生子女父母奖励金", "县卫健局"),
    (13, "退休", "户籍信息确认", "县公安局"),
];

/// Splits a printed cell into (department names, lead name if ★).
fn parse_cell(cell: &str) -> (Vec<String>, Option<String>) {
    let mut names = Vec::new();
    let mut lead = None;
    for part in cell.split(['、', '\n']).flat_map(|p| p.split('及')) {
        let mut name = part.trim().trim_end_matches("等部门").trim().to_owned();
        if name.is_empty() {
            continue;
        }
        if let Some(rest) = name.strip_prefix('★') {
            name = rest.to_owned();
            lead = Some(name.clone());
        }
        names.push(name);
    }
    (names, lead)
}

fn catalog() -> Catalog {
    server::catalog_loader::load(&server::config::default_catalog_dir()).expect("catalog loads")
}

#[test]
fn thirteen_bundles_eighty_four_items() {
    let c = catalog();
    assert_eq!(c.bundles.len(), 13);
    assert_eq!(c.item_count(), 84);
    assert_eq!(ANNEX.len(), 84);
}

#[test]
fn every_item_department_and_lead_as_the_annex_says() {
    let c = catalog();
    let mut previous: Vec<String> = Vec::new();
    let mut last_bundle = 0;
    let mut position = 0;
    for &(no, bundle_name, item_name, cell) in ANNEX {
        if no != last_bundle {
            last_bundle = no;
            position = 0;
        }
        let bundle = &c.bundles[usize::from(no) - 1];
        assert_eq!(bundle.name, bundle_name, "bundle {no}");
        let expected_audience = if no <= 8 {
            Audience::Enterprise
        } else {
            Audience::Citizen
        };
        assert_eq!(bundle.audience, expected_audience, "audience of {bundle_name}");

        let item = &bundle.items[position];
        position += 1;
        assert_eq!(item.name, item_name, "item {position} of {bundle_name}");

        // A blank cell repeats the row above.
        let (names, lead) = if cell.is_empty() {
            (previous.clone(), None)
        } else {
            parse_cell(cell)
        };
        previous = names.clone();
        let expected: Vec<&str> = names
            .iter()
            .map(|n| {
                c.department_by_spelling(n)
                    .unwrap_or_else(|| panic!("annex department {n} is not in the catalog"))
                    .code
                    .as_str()
            })
            .collect();
        let actual: Vec<&str> = item.departments.iter().map(|d| d.as_str()).collect();
        assert_eq!(actual, expected, "departments of {item_name} in {bundle_name}");
        if let Some(lead) = lead {
            let lead_code = c.department_by_spelling(&lead).map(|d| d.code.as_str());
            assert_eq!(
                Some(bundle.lead_department.as_str()),
                lead_code,
                "★ of {bundle_name}"
            );
        }
    }
    for b in &c.bundles {
        assert_eq!(
            b.items.len(),
            ANNEX.iter().filter(|r| r.1 == b.name).count(),
            "{}",
            b.name
        );
    }
}

#[test]
fn departments_kinds_levels_and_name_variants() {
    let c = catalog();
    for utility in ["供电企业", "供气企业", "供水企业", "通信网络运营商"] {
        let d = c.department_by_spelling(utility).expect(utility);
        assert_eq!(d.kind, DepartmentKind::Utility, "{utility}");
    }
    let pboc = c.department_by_spelling("人民银行宝鸡市分行").expect("pboc");
    assert_eq!(pboc.level, Level::City);
    assert_eq!(
        c.department_by_spelling("县城管执法局").map(|d| &d.code),
        c.department_by_spelling("县城市管理执法局").map(|d| &d.code)
    );
    let government = c
        .departments
        .iter()
        .filter(|d| d.kind == DepartmentKind::Government)
        .count();
    assert_eq!(government + 4, c.departments.len());
    // Every department serves at least one item.
    for d in &c.departments {
        assert!(
            c.bundles
                .iter()
                .flat_map(|b| &b.items)
                .any(|i| i.departments.contains(&d.code)),
            "{} serves no item",
            d.name
        );
    }
}

#[test]
fn two_department_items_have_both() {
    let c = catalog();
    let item = c
        .bundle("bankruptcy-check")
        .and_then(|b| b.items.iter().find(|i| i.name == "社会保险参保缴费记录核查"))
        .expect("item");
    let codes: Vec<&str> = item.departments.iter().map(|d| d.as_str()).collect();
    assert_eq!(codes, ["hrss", "tax"]);
}
