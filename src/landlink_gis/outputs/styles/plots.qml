<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0-Białowieża" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="categorizedSymbol" attr="ll_status" enableorderby="1" symbollevels="1" forceraster="0">
    <categories>
      <category render="true" symbol="0" value="pass" label="通过"/>
      <category render="true" symbol="1" value="warning" label="警告"/>
      <category render="true" symbol="2" value="error" label="错误"/>
    </categories>
    <symbols>
      <symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option type="QString" name="color" value="51,160,44,90"/>
            <Option type="QString" name="outline_color" value="51,160,44,255"/>
            <Option type="QString" name="outline_style" value="solid"/>
            <Option type="QString" name="outline_width" value="0.6"/>
            <Option type="QString" name="outline_width_unit" value="MM"/>
            <Option type="QString" name="style" value="solid"/>
            <Option type="QString" name="joinstyle" value="miter"/>
          </Option>
          <prop k="color" v="51,160,44,90"/>
          <prop k="outline_color" v="51,160,44,255"/>
          <prop k="outline_style" v="solid"/>
          <prop k="outline_width" v="0.6"/>
          <prop k="outline_width_unit" v="MM"/>
          <prop k="style" v="solid"/>
          <prop k="joinstyle" v="miter"/>
        </layer>
      </symbol>
      <symbol type="fill" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="1">
          <Option type="Map">
            <Option type="QString" name="color" value="255,127,0,90"/>
            <Option type="QString" name="outline_color" value="255,127,0,255"/>
            <Option type="QString" name="outline_style" value="solid"/>
            <Option type="QString" name="outline_width" value="0.6"/>
            <Option type="QString" name="outline_width_unit" value="MM"/>
            <Option type="QString" name="style" value="solid"/>
            <Option type="QString" name="joinstyle" value="miter"/>
          </Option>
          <prop k="color" v="255,127,0,90"/>
          <prop k="outline_color" v="255,127,0,255"/>
          <prop k="outline_style" v="solid"/>
          <prop k="outline_width" v="0.6"/>
          <prop k="outline_width_unit" v="MM"/>
          <prop k="style" v="solid"/>
          <prop k="joinstyle" v="miter"/>
        </layer>
      </symbol>
      <symbol type="fill" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="2">
          <Option type="Map">
            <Option type="QString" name="color" value="227,26,28,90"/>
            <Option type="QString" name="outline_color" value="227,26,28,255"/>
            <Option type="QString" name="outline_style" value="solid"/>
            <Option type="QString" name="outline_width" value="0.6"/>
            <Option type="QString" name="outline_width_unit" value="MM"/>
            <Option type="QString" name="style" value="solid"/>
            <Option type="QString" name="joinstyle" value="miter"/>
          </Option>
          <prop k="color" v="227,26,28,90"/>
          <prop k="outline_color" v="227,26,28,255"/>
          <prop k="outline_style" v="solid"/>
          <prop k="outline_width" v="0.6"/>
          <prop k="outline_width_unit" v="MM"/>
          <prop k="style" v="solid"/>
          <prop k="joinstyle" v="miter"/>
        </layer>
      </symbol>
    </symbols>
    <orderby>
      <orderByClause asc="1" nullsFirst="1">CASE WHEN "ll_status" = 'error' THEN 3 WHEN "ll_status" = 'warning' THEN 2 ELSE 1 END</orderByClause>
    </orderby>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="coalesce(attribute(@feature, 'DKBH'), attribute(@feature, 'BSM'), attribute(@feature, 'TBBH'), attribute(@feature, 'ID'), attribute(@feature, 'id'), '#' || to_string($id))" isExpression="1" fontFamily="Microsoft YaHei" namedStyle="Regular" fontSize="9" fontSizeUnit="Point" fontWeight="50" fontItalic="0" textColor="20,20,20,255" textOpacity="1" allowHtml="0" blendMode="0" multilineHeight="1" capitalization="0" textOrientation="horizontal" useSubstitutions="0">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/>
        <text-mask maskEnabled="0" maskType="0" maskSize="0" maskSizeUnits="MM" maskOpacity="1" maskJoinStyle="128" maskedSymbolLayers=""/>
      </text-style>
      <text-format wrapChar="" autoWrapLength="0" multilineAlign="3" formatNumbers="0" decimals="3" plussign="0" addDirectionSymbol="0" placeDirectionSymbol="0" reverseDirectionSymbol="0" leftDirectionSymbol="&lt;" rightDirectionSymbol="&gt;" useMaxLineLengthForAutoWrap="1"/>
      <placement placement="1" placementFlags="10" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0" polygonPlacementFlags="2" dist="0" distUnits="MM" offsetType="0" quadOffset="4" xOffset="0" yOffset="0" offsetUnits="MM" rotationAngle="0" priority="5" layerType="PolygonGeometry" geometryGeneratorEnabled="0" geometryGenerator="" geometryGeneratorType="PointGeometry"/>
      <rendering drawLabels="1" displayAll="0" obstacle="1" obstacleType="1" obstacleFactor="1" labelPerPart="0" mergeLines="0" limitNumLabels="0" maxNumLabels="2000" minFeatureSize="0" scaleVisibility="0" scaleMin="0" scaleMax="0" fontLimitPixelSize="0" fontMinPixelSize="3" fontMaxPixelSize="10000" upsidedownLabels="0" zIndex="0"/>
      <dd_properties>
        <Option type="Map">
          <Option name="name" type="QString" value=""/>
          <Option name="properties" type="Map">
            <Option name="Priority" type="Map">
              <Option name="active" type="bool" value="true"/>
              <Option name="expression" type="QString" value="CASE WHEN &quot;ll_status&quot; = 'error' THEN 10 WHEN &quot;ll_status&quot; = 'warning' THEN 7 ELSE 5 END"/>
              <Option name="type" type="int" value="3"/>
            </Option>
            <Option name="ZIndex" type="Map">
              <Option name="active" type="bool" value="true"/>
              <Option name="expression" type="QString" value="CASE WHEN &quot;ll_status&quot; = 'error' THEN 2 WHEN &quot;ll_status&quot; = 'warning' THEN 1 ELSE 0 END"/>
              <Option name="type" type="int" value="3"/>
            </Option>
          </Option>
          <Option name="type" type="QString" value="collection"/>
        </Option>
      </dd_properties>
    </settings>
  </labeling>
  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerGeometryType>2</layerGeometryType>
</qgis>
